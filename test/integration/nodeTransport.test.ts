import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { Connection } from '../../src/core/connection.js';
import type { ConnectionOptions } from '../../src/core/types.js';
import { EventSource } from '../../src/core/node.js';
import { createNodeTransport } from '../../src/core/transports/nodeTransport.js';
import type { SSEMessage } from '../../src/core/types.js';
import { frame, sseHead, startSSEServer, until, type TestSSEServer } from '../helpers/sseServer.js';

// What only the Node transport does itself (fetch does it for the fetch transport): redirects,
// compressed bodies, and tearing the request down. The shared scenarios (statuses, Content-Type,
// drops, Last-Event-ID, stalls, restarts) run over it in connection.test.ts.

const servers: TestSSEServer[] = [];
let conn: Connection | undefined;
let es: EventSource | undefined;
afterEach(async () => {
  conn?.close();
  conn = undefined;
  es?.close();
  es = undefined;
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(...args: Parameters<typeof startSSEServer>): Promise<TestSSEServer> {
  const server = await startSSEServer(...args);
  servers.push(server);
  return server;
}

const options: ConnectionOptions = {
  transport: createNodeTransport(),
  reconnect: false,
};

function collect(c: Connection): SSEMessage[] {
  const out: SSEMessage[] = [];
  c.addEventListener('*', (m) => out.push(m));
  return out;
}

describe('Node transport', () => {
  it('exists in Node 20', () => {
    expect(createNodeTransport()?.name).toBe('node');
  });

  it('follows redirects; events carry the final origin', async () => {
    const target = await serve((_req, res) => {
      sseHead(res);
      res.write(frame({ data: 'moved here' }));
    });
    // localhost and 127.0.0.1 are different origins.
    const finalUrl = target.url('/final').replace('127.0.0.1', 'localhost');
    const server = await serve((req, res) => {
      res.writeHead(req.url === '/a' ? 301 : 307, { Location: req.url === '/a' ? '/b' : finalUrl });
      res.end();
    });
    conn = new Connection(server.url('/a'), options);
    const got = collect(conn);
    conn.open();
    await until(() => got.length === 1, 3000, 'event');
    expect(got[0]).toMatchObject({ data: 'moved here', origin: `http://localhost:${target.port}` });
    expect(server.requests.map((r) => r.url)).toEqual(['/a', '/b']);
  });

  it('turns a POST into a GET on 303, keeps it on 307, drops Authorization across origins', async () => {
    const target = await serve((_req, res) => {
      sseHead(res);
      res.write(frame({ data: 'ok' }));
    });
    const server = await serve((req, res) => {
      const to =
        req.url === '/see-other'
          ? '/final'
          : target.url('/final').replace('127.0.0.1', 'localhost');
      if (req.url === '/final') {
        sseHead(res);
        res.write(frame({ data: 'ok' }));
        return;
      }
      res.writeHead(req.url === '/see-other' ? 303 : 307, { Location: to });
      res.end();
    });
    const post = {
      ...options,
      method: 'POST',
      body: { q: 1 },
      headers: { Authorization: 'Bearer secret' },
    };

    conn = new Connection(server.url('/see-other'), post);
    let got = collect(conn);
    conn.open();
    await until(() => got.length === 1, 3000, '303');
    conn.close();
    const [first, second] = server.requests;
    expect([first!.method, first!.body]).toEqual(['POST', '{"q":1}']);
    // Sized as fetch sends it, not chunked.
    expect(first!.headers['content-length']).toBe('7');
    expect(first!.headers['transfer-encoding']).toBeUndefined();
    expect([second!.method, second!.body, second!.headers['content-type']]).toEqual([
      'GET',
      '',
      undefined,
    ]);
    expect(second!.headers.authorization).toBe('Bearer secret'); // same origin

    conn = new Connection(server.url('/temporary'), post);
    got = collect(conn);
    conn.open();
    await until(() => got.length === 1, 3000, '307');
    const moved = target.requests[0]!;
    expect([moved.method, moved.body]).toEqual(['POST', '{"q":1}']);
    expect(moved.headers.authorization).toBeUndefined(); // another origin
  });

  it('a redirect to a malformed Location is a network error', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(302, { Location: 'http://[::1' });
      res.end();
    });
    conn = new Connection(server.url('/r'), options);
    conn.open();
    await until(() => conn!.getSnapshot().status === 'closed', 3000, 'closed');
    expect(conn.getSnapshot().error).toMatchObject({ type: 'network' });
    expect(conn.getSnapshot().error!.message).toMatch(/Invalid URL/);
  });

  it('gives up after 20 redirects with a network error', async () => {
    const server = await serve((req, res) => {
      res.writeHead(302, { Location: `/r${server.requests.length}` });
      res.end();
    });
    conn = new Connection(server.url('/r'), options);
    conn.open();
    await until(() => conn!.getSnapshot().status === 'closed', 3000, 'closed');
    expect(conn.getSnapshot().error).toMatchObject({ type: 'network' });
    expect(conn.getSnapshot().error!.message).toMatch(/too many redirects/);
    expect(server.requests).toHaveLength(21);
  });

  it('decodes a gzip-compressed stream; an unknown encoding is an error', async () => {
    const body = gzipSync(frame({ id: 7, data: 'zipped é' }) + frame({ data: 'two' }));
    const server = await serve((req, res) => {
      sseHead(res, { 'Content-Encoding': req.url === '/gz' ? 'gzip' : 'compress' });
      res.write(body);
    });
    conn = new Connection(server.url('/gz'), options);
    const got = collect(conn);
    conn.open();
    await until(() => got.length === 2, 3000, 'events');
    expect(got.map((m) => [m.data, m.lastEventId])).toEqual([
      ['zipped é', '7'],
      ['two', '7'],
    ]);
    conn.close();

    conn = new Connection(server.url('/z'), options);
    conn.open();
    await until(() => conn!.getSnapshot().status === 'closed', 3000, 'closed');
    expect(conn.getSnapshot().error!.message).toMatch(/Unsupported Content-Encoding compress/);
  });

  it('a header value Node refuses is a network error, not an exception', async () => {
    const server = await serve((_req, res) => sseHead(res));
    conn = new Connection(server.url('/e'), { ...options, headers: { 'X-Bad': 'a\r\nb' } });
    conn.open();
    await until(() => conn!.getSnapshot().status === 'closed', 3000, 'closed');
    expect(conn.getSnapshot().error).toMatchObject({ type: 'network' });
    expect(conn.getSnapshot().error!.message).toMatch(/Could not reach/);
    expect(server.requests).toHaveLength(0);
  });

  it('close() tears the request down on the server', async () => {
    const server = await serve((_req, res) => {
      sseHead(res);
      res.write(': hello\n\n');
    });
    conn = new Connection(server.url('/e'), options);
    conn.open();
    await server.waitFor((open) => open === 1, 3000);
    conn.close();
    await server.waitFor((open) => open === 0, 3000);
    expect(server.openStreams()).toBe(0);
  });

  it('is what the EventSource class reads with in Node', async () => {
    const server = await serve((_req, res) => {
      sseHead(res);
      res.write(frame({ data: 'hi' }));
    });
    es = new EventSource(server.url('/e'));
    const data: string[] = [];
    es.onmessage = (e) => data.push(e.data);
    await until(() => data.length === 1, 3000, 'event');
    // Node's fetch offers compression and names itself; Node's http sends neither.
    expect(server.requests[0]!.headers['accept-encoding']).toBeUndefined();
    expect(server.requests[0]!.headers['user-agent']).toBeUndefined();
  });
});
