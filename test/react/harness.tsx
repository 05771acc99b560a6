import type { IncomingMessage, ServerResponse } from 'node:http';
import { cleanup } from '@testing-library/react';
import { afterEach, beforeAll, beforeEach } from 'vitest';
import { Profiler, StrictMode, type ReactNode } from 'react';
import { EventSourceProvider, type EventSourceProviderProps } from '../../src/index.js';
import { sseHead, startSSEServer, type TestSSEServer } from '../helpers/sseServer.js';

// Updates from a real server arrive outside act(); tests wait for them with `until`. Testing
// Library turns the act environment on in its own beforeAll, registered before this one.
beforeAll(() => {
  (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;
});

export interface Clients {
  readonly server: TestSSEServer;
  /** Open responses by request path, in arrival order. */
  readonly open: Set<ServerResponse>;
  /** Writes raw SSE text to every open stream (optionally only those whose path starts so). */
  send(text: string, path?: string): void;
}

/**
 * A real SSE server that keeps every stream open until the client leaves. `onOpen` may write
 * first events; it gets the request (with headers) too.
 */
export async function startStreams(
  onOpen?: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<Clients> {
  const open = new Set<ServerResponse>();
  const paths = new WeakMap<ServerResponse, string>();
  const server = await startSSEServer((req, res) => {
    sseHead(res);
    res.write(': open\n\n');
    open.add(res);
    paths.set(res, req.url ?? '/');
    res.on('close', () => open.delete(res));
    onOpen?.(req, res);
  });
  return {
    server,
    open,
    send(text, path) {
      for (const res of open) if (!path || paths.get(res)?.startsWith(path)) res.write(text);
    },
  };
}

/**
 * Gives each test a fresh {@link startStreams} server (handed to `set`), and after each test
 * unmounts what it rendered, then closes the server.
 */
export function withStreamServer(set: (clients: Clients) => void): void {
  let clients: Clients | undefined;
  beforeEach(async () => {
    clients = await startStreams();
    set(clients);
  });
  afterEach(async () => {
    cleanup();
    await clients?.server.close();
  });
}

/** Render counts per id: one per commit of the wrapped subtree. */
export class Renders {
  private readonly counts = new Map<string, number>();
  get(id: string): number {
    return this.counts.get(id) ?? 0;
  }
  reset(): void {
    this.counts.clear();
  }
  Count = ({ id, children }: { id: string; children: ReactNode }) => (
    <Profiler id={id} onRender={() => this.counts.set(id, this.get(id) + 1)}>
      {children}
    </Profiler>
  );
}

/** StrictMode + a provider with a short linger, as every test renders. */
export function Strict({
  children,
  linger = 100,
  ...props
}: EventSourceProviderProps & { children: ReactNode }) {
  return (
    <StrictMode>
      <EventSourceProvider linger={linger} {...props}>
        {children}
      </EventSourceProvider>
    </StrictMode>
  );
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
