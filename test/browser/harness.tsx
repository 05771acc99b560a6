import { StrictMode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { flushSync } from 'react-dom';
import { vi } from 'vitest';
import { Connection, type ConnectionOptions, type ConnectionSnapshot } from 'sse-hooks/core';
import { EventSourceProvider, useEventSource, useSSEEvent } from 'sse-hooks';
import type { SeenRequest } from './misbehavingServer';

/** What a test reads of a client, whichever way it is driven. */
export interface ClientState {
  status: ConnectionSnapshot['status'];
  attempt: number;
  nextRetryAt: number | null;
  lastEventId: string;
  lastMessage: { type: string; data: string } | null;
  error: { type: string; status?: number; code?: string; message: string } | null;
  /** Events of the named type the test listens to (`listen`), in order. */
  named: string[];
}

export interface Client {
  state(): ClientState;
  stop(): void;
}

/** How a test drives the library: the core `Connection`, or the public hooks in StrictMode. */
export type Driver = (url: string, options?: ConnectionOptions, listen?: string) => Client;

let keys = 0;
/** A key of its own for each test, so the server's logs do not mix. */
export const newKey = (name: string) => `${name}-${Date.now().toString(36)}-${++keys}`;

/** What the server saw for `key`. */
export async function seen(key: string, origin = ''): Promise<SeenRequest[]> {
  return (await fetch(`${origin}/sse-log?k=${encodeURIComponent(key)}`)).json();
}

/** The origin of the second, cross-origin server. */
export async function crossOrigin(): Promise<string> {
  const port = (await (await fetch('/sse-cross-port')).json()) as number;
  return `http://127.0.0.1:${port}`;
}

function summarize(s: ConnectionSnapshot, named: string[]): ClientState {
  const e = s.error;
  return {
    status: s.status,
    attempt: s.attempt,
    nextRetryAt: s.nextRetryAt,
    lastEventId: s.lastEventId,
    lastMessage: s.lastMessage && { type: s.lastMessage.type, data: s.lastMessage.data },
    error: e && { type: e.type, status: e.status, code: e.code, message: e.message },
    named,
  };
}

export const viaConnection: Driver = (url, options, listen) => {
  const conn = new Connection(url, options);
  const named: string[] = [];
  if (listen) conn.addEventListener(listen, (m) => named.push(m.data));
  conn.open();
  return { state: () => summarize(conn.getSnapshot(), named), stop: () => conn.close() };
};

/**
 * Through `useEventSource` (and `useSSEEvent` when `listen` is given) inside `<StrictMode>` and a
 * provider of its own, with nothing else mounted. The probe writes what the hook returns into the
 * page; the test reads it back from there.
 */
export const viaHooks: Driver = (url, options, listen) => {
  const host = document.createElement('div');
  document.body.append(host);
  const root: Root = createRoot(host);
  const named: string[] = [];
  function Named({ type }: { type: string }) {
    useSSEEvent(url, type, { ...options, onEvent: (m) => void named.push(m.data as string) });
    return null;
  }
  function Probe() {
    const s = useEventSource(url, options);
    const state = summarize(
      {
        status: s.status,
        readyState: s.readyState,
        attempt: s.attempt,
        nextRetryAt: s.nextRetryAt,
        lastEventId: s.lastEventId,
        lastMessage: s.lastMessage,
        error: s.error,
      } as ConnectionSnapshot,
      [],
    );
    return <pre data-state={JSON.stringify(state)} />;
  }
  flushSync(() =>
    root.render(
      <StrictMode>
        <EventSourceProvider linger={0}>
          <Probe />
          {listen && <Named type={listen} />}
        </EventSourceProvider>
      </StrictMode>,
    ),
  );
  return {
    state: () => {
      const raw = host.querySelector('pre')?.getAttribute('data-state');
      return { ...(JSON.parse(raw ?? 'null') as ClientState), named };
    },
    stop: () => {
      root.unmount();
      host.remove();
    },
  };
};

/** Real-time wait that fake timers do not touch (a message channel turn). */
const turn = () =>
  new Promise<void>((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(0);
  });

/** Waits, in real time (at most `ms`), until `predicate` holds. */
export async function until(predicate: () => boolean, ms = 10_000, what = 'condition') {
  const end = performance.now() + ms;
  while (!predicate()) {
    if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => requestAnimationFrame(r));
    await turn();
  }
}

/**
 * Runs `client` for `ms` of simulated time: whenever it sits in a scheduled retry, the fake
 * clock jumps to that retry; network requests happen for real. Call with fake timers on
 * (`setTimeout`, `clearTimeout`, `Date`). Returns the simulated delays it waited.
 */
export async function simulate(client: Client, ms: number): Promise<number[]> {
  const end = Date.now() + ms;
  const delays: number[] = [];
  let last: number | null = null;
  for (;;) {
    let s = client.state();
    await until(
      () => {
        s = client.state();
        return (
          s.status === 'closed' ||
          (s.status === 'reconnecting' && s.nextRetryAt !== null && s.nextRetryAt !== last)
        );
      },
      15_000,
      'a scheduled retry',
    );
    if (s.status === 'closed' || s.nextRetryAt! > end) return delays;
    last = s.nextRetryAt;
    delays.push(s.nextRetryAt! - Date.now());
    vi.advanceTimersByTime(s.nextRetryAt! - Date.now());
  }
}

/** The UTF-8 bytes of `text` in hex, as the server logs a header. */
export const hex = (text: string) =>
  [...new TextEncoder().encode(text)].map((b) => b.toString(16).padStart(2, '0')).join('');
