import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Connection } from '../../src/core/connection.js';
import type { ConnectionOptions } from '../../src/core/types.js';
import { createNodeTransport } from '../../src/core/transports/nodeTransport.js';
import type { SSEMessage } from '../../src/core/types.js';
import { frame, sseHead, startSSEServer, until, type TestSSEServer } from '../helpers/sseServer.js';

let server: TestSSEServer | undefined;
let conn: Connection | undefined;
afterEach(async () => {
  conn?.close();
  conn = undefined;
  await server?.close();
  server = undefined;
});

const reconnect = { initialDelay: 20, jitter: false, maxDelay: 200 };
// Every scenario runs over both HTTP transports: fetch, and Node's own http.
const transports: Array<[string, ConnectionOptions['transport']]> = [
  ['fetch', 'fetch'],
  ['node:http', createNodeTransport()],
];

function collect(c: Connection): SSEMessage[] {
  const out: SSEMessage[] = [];
  c.addEventListener('*', (m) => out.push(m));
  return out;
}

describe.each(transports)(
  'Connection against a real SSE server, %s transport',
  (_name, transport) => {
    const fast: ConnectionOptions = { transport, reconnect };

    it('streams named and multi-line events with ids, and sends Accept', async () => {
      server = await startSSEServer((_req, res) => {
        sseHead(res);
        res.write(': welcome\n\n');
        res.write(frame({ id: 1, event: 'alert', data: '{"level":"high"}' }));
        res.write(frame({ id: 2, data: 'line one\nline two' }));
        // Spec: a line without a colon is a field with an empty value; "data" appends an LF, and
        // the emptiness check comes before the final LF is removed, so this dispatches "".
        res.write('data\n\n');
        res.write('event: ignored\n\n'); // no data at all: not dispatched, event type reset
      });
      conn = new Connection(server.url('/events'), fast);
      const got = collect(conn);
      conn.open();
      await until(() => got.length >= 3, 3000, 'events');
      await new Promise((r) => setTimeout(r, 50));
      expect(got.map((m) => [m.type, m.data, m.lastEventId])).toEqual([
        ['alert', '{"level":"high"}', '1'],
        ['message', 'line one\nline two', '2'],
        ['message', '', '2'],
      ]);
      expect(got[0]!.origin).toBe(`http://127.0.0.1:${server.port}`);
      expect(server.requests[0]!.headers.accept).toBe('text/event-stream');
      expect(conn.getSnapshot().status).toBe('open');
    });

    it.each([401, 404])('HTTP %i fails for good after one request', async (status) => {
      server = await startSSEServer((_req, res) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end('{"error":"no"}');
      });
      conn = new Connection(server.url('/events'), fast);
      conn.open();
      await until(() => conn!.getSnapshot().status === 'closed', 3000, 'closed');
      expect(conn.getSnapshot().error).toMatchObject({ type: 'http', status, willRetry: false });
      await new Promise((r) => setTimeout(r, 200));
      expect(server.requests).toHaveLength(1);
    });

    it('HTTP 500 is retried with backoff, then the stream opens', async () => {
      let n = 0;
      server = await startSSEServer((_req, res) => {
        if (++n <= 2) {
          res.writeHead(500);
          res.end();
          return;
        }
        sseHead(res);
        res.write(frame({ data: 'ok' }));
      });
      conn = new Connection(server.url('/events'), fast);
      const got = collect(conn);
      const statuses: string[] = [];
      conn.subscribe(() => statuses.push(conn!.getSnapshot().status));
      conn.open();
      await until(() => got.length === 1, 3000, 'event');
      expect(server.requests).toHaveLength(3);
      expect(statuses).toContain('reconnecting');
      expect(conn.getSnapshot().status).toBe('open');
    });

    it('503 with Retry-After waits as told', async () => {
      const times: number[] = [];
      server = await startSSEServer((_req, res) => {
        times.push(Date.now());
        if (times.length === 1) {
          res.writeHead(503, { 'Retry-After': '1' });
          res.end();
          return;
        }
        sseHead(res);
        res.write(frame({ data: 'back' }));
      });
      conn = new Connection(server.url('/events'), fast);
      const got = collect(conn);
      conn.open();
      await until(() => conn!.getSnapshot().error?.status === 503, 3000, '503');
      expect(conn.getSnapshot().error?.retryAfterMs).toBe(1000);
      await until(() => got.length === 1, 4000, 'event after Retry-After');
      expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(950);
    });

    it('204 closes without reconnecting', async () => {
      server = await startSSEServer((_req, res) => {
        res.writeHead(204);
        res.end();
      });
      conn = new Connection(server.url('/events'), fast);
      conn.open();
      await until(() => conn!.getSnapshot().status === 'closed', 3000, 'closed');
      expect(conn.getSnapshot().error).toMatchObject({ status: 204, willRetry: false });
      await new Promise((r) => setTimeout(r, 150));
      expect(server.requests).toHaveLength(1);
    });

    it('a wrong Content-Type fails for good; parameters and case are accepted', async () => {
      server = await startSSEServer((req, res) => {
        if (req.url === '/html') {
          res.writeHead(200, { 'Content-Type': 'text/html' });
          res.end('<h1>login</h1>');
        } else {
          res.writeHead(200, { 'Content-Type': 'Text/Event-Stream; charset=UTF-8' });
          res.write(frame({ data: 'fine' }));
        }
      });
      conn = new Connection(server.url('/html'), fast);
      conn.open();
      await until(() => conn!.getSnapshot().status === 'closed', 3000, 'closed');
      expect(conn.getSnapshot().error).toMatchObject({
        type: 'content-type',
        contentType: 'text/html',
        willRetry: false,
      });
      expect(server.requests).toHaveLength(1);

      const ok = new Connection(server.url('/param'), fast);
      const got = collect(ok);
      ok.open();
      await until(() => got.length === 1, 3000, 'event');
      ok.close();
    });

    it('reconnects after a dropped connection and sends Last-Event-ID', async () => {
      server = await startSSEServer((req, res) => {
        sseHead(res);
        const from = Number(req.headers['last-event-id'] ?? 0);
        res.write(frame({ retry: 30, id: from + 1, data: `event ${from + 1}` }));
      });
      conn = new Connection(server.url('/events'), fast);
      const got = collect(conn);
      conn.open();
      await until(() => got.length === 1, 3000, 'first');
      server.dropAll();
      await until(() => got.length === 2, 3000, 'second');
      expect(server.requests[1]!.headers['last-event-id']).toBe('1');
      expect(got.map((m) => m.data)).toEqual(['event 1', 'event 2']);
    });

    it('a stalled stream is detected by the watchdog and reconnected', async () => {
      server = await startSSEServer((_req, res) => {
        sseHead(res); // then silence
        if (server!.requests.length > 1) res.write(frame({ data: 'alive' }));
      });
      conn = new Connection(server.url('/events'), { ...fast, stallTimeout: 300 });
      const got = collect(conn);
      const errors: string[] = [];
      conn.onError((e) => errors.push(e.code ?? e.type));
      conn.open();
      await until(() => got.length === 1, 4000, 'event after stall');
      expect(errors).toContain('stalled');
      expect(server.requests).toHaveLength(2);
    });

    it('delivers a 10 MB event intact; a smaller maxBufferSize fails with a typed error', async () => {
      const big = 'x'.repeat(10 * 1024 * 1024);
      server = await startSSEServer((_req, res) => {
        sseHead(res);
        res.write('data: ');
        for (let i = 0; i < big.length; i += 65536) res.write(big.slice(i, i + 65536));
        res.write('\n\n');
        res.write(frame({ data: 'after' }));
      });
      // Over the 4 MiB default: a caller who expects such events raises the limit.
      conn = new Connection(server.url('/events'), { ...fast, maxBufferSize: 16 * 1024 * 1024 });
      const got = collect(conn);
      conn.open();
      await until(() => got.length === 2, 10_000, 'big event');
      expect(got[0]!.data.length).toBe(big.length);
      expect(got[0]!.data === big).toBe(true);
      expect(got[1]!.data).toBe('after');
      conn.close();

      const small = new Connection(server.url('/events'), { ...fast, maxBufferSize: 1024 * 1024 });
      conn = small;
      small.open();
      await until(() => small.getSnapshot().status === 'closed', 10_000, 'overflow');
      expect(small.getSnapshot().error).toMatchObject({
        type: 'parse',
        code: 'buffer-overflow',
        willRetry: false,
      });
    }, 30_000);

    it('killed and restarted 10 times mid-stream: every event exactly once, in order', async () => {
      const TOTAL = 400;
      const history: string[] = [];
      const live = new Set<ServerResponse>();
      // The event source outlives the server process it is served by (like a message log).
      let nextId = 1;
      const producer = setInterval(() => {
        if (nextId > TOTAL) return;
        const id = nextId++;
        const text = frame({
          id,
          event: id % 3 ? 'update' : 'alert',
          data: JSON.stringify({ n: id }),
        });
        history.push(text);
        for (const res of live) res.write(text);
        // Slow enough that all 10 restarts (each waits the 250 ms retry floor) fall mid-stream.
      }, 10);
      try {
        server = await startSSEServer((req, res) => {
          sseHead(res);
          res.write('retry: 10\n\n');
          const after = Number(req.headers['last-event-id'] ?? 0);
          for (let i = after; i < history.length; i++) res.write(history[i]!);
          live.add(res);
          res.on('close', () => live.delete(res));
        });
        conn = new Connection(server.url('/events'), fast);
        const got = collect(conn);
        conn.open();
        for (let k = 0; k < 10; k++) {
          const before = got.length;
          await until(() => got.length > before + 5, 5000, `events before restart ${k}`);
          await server.close();
          live.clear();
          await new Promise((r) => setTimeout(r, 30));
          await server.restart();
        }
        await until(() => got.length >= TOTAL, 15_000, 'all events');
        await new Promise((r) => setTimeout(r, 50));
        const ids = got.map((m) => Number(m.lastEventId));
        expect(ids).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
        expect(got.every((m) => JSON.parse(m.data).n === Number(m.lastEventId))).toBe(true);
        expect(server.requests.length).toBeGreaterThanOrEqual(11);
      } finally {
        clearInterval(producer);
      }
    }, 40_000);
  },
);
