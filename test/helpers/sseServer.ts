import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request the server received, as seen on the wire. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  /** Header names and values as received: values are one character per byte (Latin-1). */
  rawHeaders: string[];
  body: string;
  /** When the request arrived (`Date.now()`). */
  at: number;
}

export type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  body: string,
) => void | Promise<void>;

/**
 * A real SSE server on 127.0.0.1 for tests: scriptable per request, counts open streams, records
 * requests, and can drop every connection or be killed and restarted on the same port.
 */
export interface TestSSEServer {
  readonly port: number;
  url(path?: string): string;
  /** Responses currently open (streams in progress). */
  openStreams(): number;
  /** Every request received so far. */
  readonly requests: RecordedRequest[];
  /** Destroys every open socket (simulates a network loss). */
  dropAll(): void;
  /** Stops listening and destroys every socket. */
  close(): Promise<void>;
  /** Listens again on the same port. */
  restart(): Promise<void>;
  /** Resolves when `openStreams()` satisfies `predicate` (polls; bounded by `timeout`). */
  waitFor(predicate: (open: number) => boolean, timeout?: number): Promise<void>;
}

export async function startSSEServer(handler: Handler, port = 0): Promise<TestSSEServer> {
  const sockets = new Set<Socket>();
  const open = new Set<ServerResponse>();
  const requests: RecordedRequest[] = [];
  let server: Server;

  const listen = (p: number) =>
    new Promise<number>((resolve, reject) => {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          requests.push({
            method: req.method ?? 'GET',
            url: req.url ?? '/',
            headers: req.headers,
            rawHeaders: req.rawHeaders,
            body,
            at: Date.now(),
          });
          open.add(res);
          res.on('close', () => open.delete(res));
          Promise.resolve(handler(req, res, body)).catch((error: unknown) => {
            if (!res.headersSent) res.writeHead(500);
            res.end(String(error));
          });
        });
      });
      server.on('connection', (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });

  const actualPort = await listen(port);
  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
  };

  return {
    port: actualPort,
    url: (path = '/') => `http://127.0.0.1:${actualPort}${path}`,
    openStreams: () => open.size,
    requests,
    dropAll,
    close: () =>
      new Promise<void>((resolve) => {
        dropAll();
        server.close(() => resolve());
      }),
    restart: async () => {
      await listen(actualPort);
    },
    waitFor: async (predicate, timeout = 5000) => {
      const start = Date.now();
      while (!predicate(open.size)) {
        if (Date.now() - start > timeout)
          throw new Error(`waitFor timed out with ${open.size} open streams`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

/** Writes the SSE response head. */
export function sseHead(res: ServerResponse, extra: Record<string, string> = {}): void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
    ...extra,
  });
  res.flushHeaders();
}

/** Frames one event. Multi-line data becomes several `data:` lines. */
export function frame(event: {
  id?: string | number;
  event?: string;
  data?: string;
  retry?: number;
}): string {
  let out = '';
  if (event.retry !== undefined) out += `retry: ${event.retry}\n`;
  if (event.id !== undefined) out += `id: ${event.id}\n`;
  if (event.event !== undefined) out += `event: ${event.event}\n`;
  if (event.data !== undefined) for (const line of event.data.split('\n')) out += `data: ${line}\n`;
  return out + '\n';
}

/** Waits until `predicate` holds, polling; throws after `timeout` ms. */
export async function until(
  predicate: () => boolean,
  timeout = 5000,
  what = 'condition',
): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeout) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * The last event ID a request resumes from: the `Last-Event-ID` header, or the `lastEventId`
 * query parameter a cross-origin GET carries instead (jsdom's page is http://localhost:3000, so
 * a test server on 127.0.0.1 is another origin).
 */
export function lastEventIdOf(req: { headers: IncomingMessage['headers']; url?: string }) {
  const header = req.headers['last-event-id'];
  if (typeof header === 'string') return header;
  return new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('lastEventId') ?? undefined;
}
