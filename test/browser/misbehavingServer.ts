import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Plugin } from 'vite';

/**
 * An SSE server that misbehaves on command, for the browser tests. It is mounted on the test
 * page's own origin (a Vite plugin), so streams are same-origin as in most apps, and it also
 * listens on a second port of 127.0.0.1 for cross-origin streams.
 *
 * A stream is `/sse/<scenario>?k=<key>&...`: the key groups the requests of one test, and
 * `/sse-log?k=<key>` answers with what the server saw for it: the time of each request, its
 * method and URL, and the `Last-Event-ID` header as the bytes that arrived (hex).
 */

export interface SeenRequest {
  at: number;
  method: string;
  url: string;
  /** The `Last-Event-ID` header's bytes, in hex; null when it was not sent. */
  lastEventIdHex: string | null;
  /** The `lastEventId` query parameter, when sent. */
  lastEventIdParam: string | null;
  accept: string | null;
  cacheControl: string | null;
}

const logs = new Map<string, SeenRequest[]>();
/** Per key: how many requests of a scenario were served (scenarios change with it). */
const counts = new Map<string, number>();

type Scenario = (req: IncomingMessage, res: ServerResponse, n: number, q: URLSearchParams) => void;

const head = (res: ServerResponse, extra: Record<string, string> = {}) =>
  res.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
    ...extra,
  });

/** The `Last-Event-ID` a request carries (header, else the query parameter), as text. */
function lastEventIdOf(req: IncomingMessage, q: URLSearchParams): string {
  const header = req.headers['last-event-id'];
  if (typeof header === 'string') return Buffer.from(header, 'latin1').toString('utf8');
  return q.get('lastEventId') ?? '';
}

const scenarios: Record<string, Scenario> = {
  /** Answers `status` (with `retryAfter`, a JSON `message` body, a `type`) every time. */
  status(_req, res, _n, q) {
    const headers: Record<string, string> = {};
    if (q.get('retryAfter')) headers['Retry-After'] = q.get('retryAfter')!;
    const message = q.get('message');
    if (message) headers['Content-Type'] = 'application/json';
    else if (q.get('type')) headers['Content-Type'] = q.get('type')!;
    res.writeHead(Number(q.get('status') ?? 500), headers);
    res.end(message ? JSON.stringify({ error: { message, type: 'invalid_request_error' } }) : '');
  },
  /** A healthy stream with one event and `retry:` (query `retry`), then the server fails. */
  'healthy-then'(req, res, n, q) {
    if (n === 1) {
      head(res);
      const retry = q.get('retry');
      res.end(`${retry === null ? '' : `retry: ${retry}\n`}id: 1\ndata: hello\n\n`);
    } else if (q.get('then') === 'drop') {
      req.socket.destroy();
    } else {
      const headers: Record<string, string> = {};
      if (q.get('retryAfter')) headers['Retry-After'] = q.get('retryAfter')!;
      res.writeHead(Number(q.get('then') ?? 500), headers);
      res.end();
    }
  },
  /** A heartbeat comment, then the end: what a proxy with a short timeout looks like. */
  'comment-close'(_req, res, _n, q) {
    head(res);
    res.end(`${q.get('retry') ? `retry: ${q.get('retry')}\n` : ''}: heartbeat\n\n`);
  },
  /** One event per response, then the end (a PHP script under a time limit): ids count up. */
  'event-close'(req, res, _n, q) {
    head(res);
    const next = Number(lastEventIdOf(req, q) || 0) + 1;
    const retry = q.get('retry') ?? '300';
    res.end(`${retry === 'none' ? '' : `retry: ${retry}\n`}id: ${next}\ndata: event ${next}\n\n`);
  },
  /** Sends one event with the id given in `id` (URL-encoded), then drops. */
  id(req, res, n, q) {
    if (n > 1) return void res.writeHead(204).end();
    head(res);
    res.end(`retry: 300\nid: ${q.get('id')}\ndata: x\n\n`);
  },
  /** Named events only, every 50 ms, never a plain message. */
  named(req, res) {
    head(res);
    let i = 0;
    const timer = setInterval(
      () => res.write(`event: alert\nid: ${++i}\ndata: alert ${i}\n\n`),
      50,
    );
    req.on('close', () => clearInterval(timer));
  },
  /** Three events in one write, then silence. */
  burst(_req, res) {
    head(res);
    res.write('id: 1\ndata: 1\n\nid: 2\ndata: 2\n\nid: 3\ndata: 3\n\n');
  },
  /** One event of `size` bytes of data (query), then silence. */
  big(_req, res, _n, q) {
    head(res);
    const size = Number(q.get('size') ?? 2 * 1024 * 1024);
    res.write(`data: ${'x'.repeat(size)}\n\n`);
  },
};

function log(key: string, req: IncomingMessage, url: URL): void {
  const header = req.headers['last-event-id'];
  const list = logs.get(key) ?? [];
  list.push({
    at: Date.now(),
    method: req.method ?? 'GET',
    url: url.pathname + url.search,
    lastEventIdHex:
      typeof header === 'string' ? Buffer.from(header, 'latin1').toString('hex') : null,
    lastEventIdParam: url.searchParams.get('lastEventId'),
    accept: req.headers.accept ?? null,
    cacheControl: req.headers['cache-control'] ?? null,
  });
  logs.set(key, list);
}

/** Serves one request; true when it was one of ours. */
function handle(req: IncomingMessage, res: ServerResponse, crossOrigin: boolean): boolean {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (crossOrigin) res.setHeader('Access-Control-Allow-Origin', '*');
  if (url.pathname === '/sse-log') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(logs.get(url.searchParams.get('k') ?? '') ?? []));
    return true;
  }
  const match = /^\/sse\/([\w-]+)$/.exec(url.pathname);
  const scenario = match && scenarios[match[1]!];
  if (!scenario) return false;
  const key = url.searchParams.get('k') ?? '';
  log(key, req, url);
  if (crossOrigin && req.method === 'OPTIONS') {
    // As the PHP servers of the seed documents do: a preflight gets the event loop itself.
    head(res);
    const timer = setInterval(() => res.write('data: this is not a preflight answer\n\n'), 200);
    req.on('close', () => clearInterval(timer));
    return true;
  }
  const n = (counts.get(`${match[1]}:${key}`) ?? 0) + 1;
  counts.set(`${match[1]}:${key}`, n);
  scenario(req, res, n, url.searchParams);
  return true;
}

/** What the server saw for `key` (in-process, for the Node tests). */
export function requestsFor(key: string): SeenRequest[] {
  return logs.get(key) ?? [];
}

/** The same server on its own port of 127.0.0.1, for the Node tests. */
export async function startMisbehavingServer(): Promise<{ origin: string; close(): void }> {
  const server = createServer((req, res) => {
    if (!handle(req, res, false)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** The Vite plugin: the same-origin routes, plus `/sse-cross-port` naming the second port. */
export function misbehavingServer(): Plugin {
  let cross: Server | undefined;
  return {
    name: 'misbehaving-sse-server',
    async configureServer(server) {
      cross = createServer((req, res) => {
        if (!handle(req, res, true)) res.writeHead(404).end();
      });
      await new Promise<void>((resolve) => cross!.listen(0, '127.0.0.1', resolve));
      const port = (cross.address() as AddressInfo).port;
      server.httpServer?.on('close', () => cross?.close());
      server.middlewares.use((req, res, next) => {
        if (req.url === '/sse-cross-port') {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          return res.end(JSON.stringify(port));
        }
        if (!handle(req, res, false)) next();
      });
    },
    async closeBundle() {
      cross?.closeAllConnections();
      cross?.close();
    },
  };
}
