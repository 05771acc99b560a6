import { afterEach, describe, expect, it } from 'vitest';
import { Connection, EventSource, type SSEMessage } from '../../src/core/index.js';
import { createTestServer, formatEvent, type TestServer } from '../../src/testing/index.js';
import '../../src/testing/vitest.js';

// The server as the library's core sees it through the `fetch` option, in Node (no DOM).

const opened: { close(): void }[] = [];
afterEach(() => {
  for (const c of opened.splice(0)) c.close();
});

/** A connection to `server` that records every event. */
function connect(server: TestServer, url = 'http://test/events', options = {}) {
  const events: SSEMessage[] = [];
  const conn = new Connection(url, {
    fetch: server.fetch,
    reconnect: { initialDelay: 1, jitter: false },
    ...options,
  });
  conn.addEventListener('*', (e) => events.push(e));
  conn.open();
  opened.push(conn);
  return { conn, events };
}

/** Lets the fetch transport read what was written (promise jobs only). */
const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

describe('formatEvent', () => {
  it('frames every field, data line by line, objects as JSON', () => {
    expect(formatEvent({ event: 'alert', data: { level: 2 }, id: 7, retry: 500 })).toBe(
      'retry: 500\nid: 7\nevent: alert\ndata: {"level":2}\n\n',
    );
    expect(formatEvent({ data: 'a\nb\r\nc' })).toBe('data: a\ndata: b\ndata: c\n\n');
    expect(formatEvent({ data: ' x' })).toBe('data:  x\n\n');
    expect(formatEvent({ id: '' })).toBe('id: \n\n');
  });

  it('refuses what cannot be framed, with a typed error', () => {
    expect(() => formatEvent({ id: 'a\nb' })).toThrow(TypeError);
    expect(() => formatEvent({ event: 'x\ry' })).toThrow(/line break/);
    expect(() => formatEvent({ retry: -1 })).toThrow(/retry/);
    expect(() => formatEvent({ retry: 1.5 })).toThrow(/retry/);
    expect(() => formatEvent({ data: () => 1 })).toThrow(/JSON/);
  });
});

describe('createTestServer', () => {
  it('records each request and delivers what the test sends, in order', async () => {
    const server = createTestServer();
    const { conn, events } = connect(server, 'http://test/chat', {
      method: 'POST',
      headers: { Authorization: 'Bearer t' },
      body: { q: 'hi' },
    });
    const stream = await server.connected;
    expect(stream.request).toEqual({
      url: 'http://test/chat',
      method: 'POST',
      headers: expect.objectContaining({
        authorization: 'Bearer t',
        accept: 'text/event-stream',
        'content-type': 'application/json',
      }),
      body: '{"q":"hi"}',
      lastEventId: null,
    });
    stream.send({ data: 'one', id: '1' });
    stream.comment('keep-alive');
    stream.send({ event: 'alert', data: { level: 2 } });
    stream.send({ data: 'two\nlines' });
    await settle();
    expect(events.map((e) => [e.type, e.data, e.lastEventId])).toEqual([
      ['message', 'one', '1'],
      ['alert', '{"level":2}', '1'],
      ['message', 'two\nlines', '1'],
    ]);
    expect(conn.getSnapshot().status).toBe('open');
    expect(server).toHaveConnections(1);
  });

  it('writes raw bytes as they come: a character split between two chunks', async () => {
    const server = createTestServer();
    const { events } = connect(server);
    const stream = await server.connected;
    const bytes = new TextEncoder().encode('data: é€\n\n');
    stream.write(bytes.slice(0, 7));
    stream.write(bytes.slice(7));
    stream.write('data: half');
    await settle();
    expect(events.map((e) => e.data)).toEqual(['é€']);
    stream.write(' done\n\n');
    await settle();
    expect(events.map((e) => e.data)).toEqual(['é€', 'half done']);
  });

  it('close() ends cleanly and drop() breaks: the client reconnects with Last-Event-ID', async () => {
    const server = createTestServer();
    const { conn } = connect(server);
    const first = await server.connected;
    first.send({ id: '7', data: 'x' });
    first.close();
    expect(first.state).toBe('ended');
    expect(await first.closed).toBe('ended');
    const second = await server.connected;
    expect(second).toHaveReceivedLastEventId('7');
    second.send({ id: '8', data: 'y' });
    second.drop();
    expect(await second.closed).toBe('dropped');
    await settle();
    expect(conn.getSnapshot().error).toMatchObject({ type: 'network', willRetry: true });
    const third = await server.connected;
    expect(third.lastEventId).toBe('8');
    expect(server).toHaveReceivedLastEventId('8');
    expect(server.connections.map((c) => c.state)).toEqual(['ended', 'dropped', 'open']);
  });

  it('fail() answers the next requests, one per call, then streams again', async () => {
    const server = createTestServer();
    server.fail(503, { 'Retry-After': '0' });
    server.fail(502);
    const { conn } = connect(server);
    const errors: string[] = [];
    conn.onError((e) => errors.push(`${e.type}:${e.status ?? ''}`));
    const stream = await server.connected;
    expect(server.connections.map((c) => [c.state, c.status])).toEqual([
      ['failed', 503],
      ['failed', 502],
      ['open', 200],
    ]);
    expect(errors).toEqual(['http:503', 'http:502']);
    expect(stream).toBe(server.last);
  });

  it('a 401 is final for the client: no retry storm', async () => {
    const server = createTestServer();
    server.fail(401, { 'WWW-Authenticate': 'Bearer' }, 'no');
    const { conn } = connect(server);
    const failed = await server.requested;
    expect(failed.status).toBe(401);
    await settle();
    expect(conn.getSnapshot()).toMatchObject({
      status: 'closed',
      error: { type: 'http', status: 401, willRetry: false },
    });
    expect(server.connections).toHaveLength(1);
  });

  it('a 200 that is not an event stream is a content-type error, not retried', async () => {
    const server = createTestServer();
    server.fail(200, { 'Content-Type': 'text/html' }, '<p>login</p>');
    const { conn } = connect(server);
    await server.requested;
    await settle();
    expect(conn.getSnapshot()).toMatchObject({
      status: 'closed',
      error: { type: 'content-type', contentType: 'text/html', willRetry: false },
    });
  });

  it('refuses a status that is not an HTTP answer', () => {
    const server = createTestServer();
    expect(() => server.fail(101)).toThrow(RangeError);
    expect(() => server.fail(600)).toThrow(RangeError);
  });

  it('stall() leaves a request unanswered until the client gives up', async () => {
    const server = createTestServer();
    server.stall();
    const { conn } = connect(server);
    const pending = await server.requested;
    expect(pending.state).toBe('pending');
    expect(server).toHaveConnections(0);
    expect(conn.getSnapshot().status).toBe('connecting');
    conn.close();
    expect(await pending.closed).toBe('aborted');
  });

  it('sees the client leave: an abort ends the stream as aborted', async () => {
    const server = createTestServer();
    const { conn } = connect(server);
    const stream = await server.connected;
    conn.close();
    expect(await stream.closed).toBe('aborted');
    expect(server).toHaveConnections(0);
    expect(() => stream.send({ data: 'late' })).toThrow(/aborted, not open/);
  });

  it('says so when a test sends with nothing open', () => {
    const server = createTestServer();
    expect(() => server.send({ data: 'x' })).toThrow(/no open connection.*0 request/);
  });

  it('routes: each path has its own connections, sends and answers', async () => {
    const server = createTestServer();
    const chat = server.route('/chat');
    const feed = server.route(/\/feed$/);
    const other = server.route((url) => url.searchParams.has('other'));
    chat.fail(500);
    const a = connect(server, 'http://test/chat');
    const b = connect(server, 'http://test/feed');
    await chat.connected;
    await feed.connected;
    feed.send({ data: 'for feed' });
    await settle();
    expect(a.events).toEqual([]);
    expect(b.events.map((e) => e.data)).toEqual(['for feed']);
    expect(chat.connections.map((c) => c.status)).toEqual([500, 200]);
    expect(feed.connections).toHaveLength(1);
    expect(other.connections).toHaveLength(0);
    expect(server.connections).toHaveLength(3);
    expect(server).toHaveConnections(2);
    const full = server.route('http://test/chat');
    expect(full.connections).toHaveLength(0); // a route sees the requests made after it
  });

  it('accepts a Request, as an msw handler passes it', async () => {
    const server = createTestServer();
    const response = await server.fetch(
      new Request('http://test/chat', {
        method: 'POST',
        headers: { 'Last-Event-ID': '3' },
        body: 'prompt',
      }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const stream = await server.connected;
    expect([stream.method, stream.body, stream.lastEventId]).toEqual(['POST', 'prompt', '3']);
    stream.send({ data: 'hi' });
    stream.close();
    expect(await response.text()).toBe('data: hi\n\n');
  });

  it("serves the library's EventSource class through its fetch option", async () => {
    const server = createTestServer();
    const es = new EventSource('http://test/es', { fetch: server.fetch } as EventSourceInit);
    opened.push(es);
    const got = new Promise<string>((resolve) =>
      es.addEventListener('ping', (e) => resolve((e as MessageEvent<string>).data)),
    );
    (await server.connected).send({ event: 'ping', data: 'pong' });
    expect(await got).toBe('pong');
  });
});

describe('matchers', () => {
  it('fail with a message that says what the server saw', async () => {
    const server = createTestServer();
    expect(() => expect(server).toHaveConnections(1)).toThrow(
      'expected 1 open connection(s), found 0; 0 request(s) in all',
    );
    expect(() => expect(server).toHaveReceivedLastEventId('7')).toThrow(/no request arrived/);
    connect(server);
    const first = await server.connected;
    first.send({ id: '7', data: 'x' });
    first.drop();
    await server.connected;
    expect(server).toHaveReceivedLastEventId('7');
    expect(server).not.toHaveReceivedLastEventId(null);
    expect(first).toHaveReceivedLastEventId(null);
    expect(() => expect(server).toHaveReceivedLastEventId('8')).toThrow(
      'expected the last request to carry Last-Event-ID "8", it carried "7" (every request: none, "7")',
    );
    expect(() => expect(server).not.toHaveConnections(1)).toThrow(/not 1 open/);
    expect(() => expect(42).toHaveConnections(1)).toThrow(TypeError);
  });
});
