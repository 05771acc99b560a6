import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  Connection,
  EventSource,
  createNodeTransport,
  type ConnectionOptions,
} from '../../src/core/node.js';
import { requestsFor, startMisbehavingServer } from '../browser/misbehavingServer.js';

// The browser reliability cases (test/browser/reliability.browser.test.tsx), in Node, against
// `Connection` over each Node transport and against the `EventSource` class. Time-heavy rows run
// on a simulated clock (fake `setTimeout` and `Date`); every request goes over loopback.

let server: Awaited<ReturnType<typeof startMisbehavingServer>>;
beforeAll(async () => {
  server = await startMisbehavingServer();
});
afterAll(() => server.close());

const stops: Array<() => void> = [];
afterEach(() => {
  stops.splice(0).forEach((stop) => stop());
  vi.useRealTimers();
});

let keys = 0;
const newKey = (name: string) => `${name}-node-${++keys}`;
const url = (path: string) => `${server.origin}${path}`;
const hex = (text: string) => Buffer.from(text).toString('hex');
const fakeClock = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
const realTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function until(predicate: () => boolean, ms = 10_000, what = 'condition') {
  const end = performance.now() + ms;
  while (!predicate()) {
    if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

function open(path: string, options: ConnectionOptions): Connection {
  const conn = new Connection(url(path), options);
  stops.push(() => conn.close());
  conn.open();
  return conn;
}

/** Jumps the fake clock to each scheduled retry until `ms` of simulated time; the delays. */
async function simulate(conn: Connection, ms: number): Promise<number[]> {
  const end = Date.now() + ms;
  const delays: number[] = [];
  let last: number | null = null;
  for (;;) {
    await until(() => {
      const s = conn.getSnapshot();
      return s.status === 'closed' || (s.nextRetryAt !== null && s.nextRetryAt !== last);
    });
    const s = conn.getSnapshot();
    if (s.status === 'closed' || s.nextRetryAt! > end) return delays;
    last = s.nextRetryAt;
    delays.push(s.nextRetryAt! - Date.now());
    vi.advanceTimersByTime(s.nextRetryAt! - Date.now());
  }
}

const transports: Array<[string, ConnectionOptions['transport']]> = [
  ['fetch', 'fetch'],
  ['node:http', createNodeTransport()],
];

describe.each(transports)('Connection over %s', (_name, transport) => {
  it.each([
    ['401', 'status=401', 'http', 401],
    ['403', 'status=403', 'http', 403],
    ['404', 'status=404', 'http', 404],
    ['204', 'status=204', 'http', 204],
    ['200 text/html', 'status=200&type=text/html', 'content-type', undefined],
  ])('%s: exactly 1 request, closed for good', async (_row, query, type, status) => {
    const k = newKey('refused');
    const conn = open(`/sse/status?k=${k}&${query}`, { transport });
    await until(() => conn.getSnapshot().status === 'closed');
    await new Promise((r) => setTimeout(r, 300));
    expect(requestsFor(k)).toHaveLength(1);
    expect(conn.getSnapshot().error).toMatchObject(status ? { type, status } : { type });
  });

  it.each([500, 502, 503, 504, 429])(
    '%i: retried with growing delays, never sooner than Retry-After',
    async (status) => {
      fakeClock();
      const k = newKey(`retried-${status}`);
      const conn = open(`/sse/status?k=${k}&status=${status}`, {
        transport,
        reconnect: { initialDelay: 300 },
      });
      const delays = await simulate(conn, 10_000);
      expect(delays.length).toBeGreaterThanOrEqual(3);
      for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThan(delays[i - 1]!);
      expect(requestsFor(k)).toHaveLength(delays.length + 1);
      const k2 = newKey(`retry-after-${status}`);
      const after = open(`/sse/status?k=${k2}&status=${status}&retryAfter=4`, {
        transport,
        reconnect: { initialDelay: 300 },
      });
      for (const delay of await simulate(after, 10_000)) expect(delay).toBeGreaterThanOrEqual(4000);
    },
  );

  it.each(['500', 'drop'])('retry: 0, then %s: at most 12 requests in 10 s', async (then) => {
    fakeClock();
    const k = newKey(`retry0-${then}`);
    const conn = open(`/sse/healthy-then?k=${k}&retry=0&then=${then}`, { transport });
    const delays = await simulate(conn, 10_000);
    expect(requestsFor(k).length).toBeLessThanOrEqual(12);
    expect(requestsFor(k)).toHaveLength(delays.length + 1);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(250);
  });

  it('a comment, then the end, every time: at most 12 requests in 60 s', async () => {
    fakeClock();
    const k = newKey('comment');
    const conn = open(`/sse/comment-close?k=${k}`, { transport });
    const delays = await simulate(conn, 60_000);
    expect(requestsFor(k).length).toBeLessThanOrEqual(12);
    expect(delays[0]).toBeGreaterThanOrEqual(3000);
  });

  it('reconnect: false and maxAttempts: 2 make exactly 1 and 3 requests', async () => {
    const k = newKey('no-reconnect');
    const once = open(`/sse/comment-close?k=${k}`, { transport, reconnect: false });
    await until(() => once.getSnapshot().status === 'closed');
    fakeClock();
    const k2 = newKey('max-attempts');
    const limited = open(`/sse/status?k=${k2}&status=503`, {
      transport,
      reconnect: { maxAttempts: 2 },
    });
    await simulate(limited, 120_000);
    expect(requestsFor(k)).toHaveLength(1);
    expect(requestsFor(k2)).toHaveLength(3);
    expect(limited.getSnapshot()).toMatchObject({ status: 'closed', error: { status: 503 } });
  });

  it('a stream closed after every event resumes with the right Last-Event-ID', async () => {
    const k = newKey('event-close');
    const conn = open(`/sse/event-close?k=${k}`, { transport });
    await until(() => conn.getSnapshot().lastEventId === '4');
    expect(requestsFor(k).map((r) => r.lastEventIdHex)).toEqual([
      null,
      hex('1'),
      hex('2'),
      hex('3'),
    ]);
  });

  it.each(['…', 'é-42', '中文-7', '😀', 'tab\there'])('sends the id %j as UTF-8', async (id) => {
    const k = newKey('bytes');
    const conn = open(`/sse/id?k=${k}&id=${encodeURIComponent(id)}`, { transport });
    await until(() => conn.getSnapshot().status === 'closed');
    expect(requestsFor(k)[1]).toMatchObject({ lastEventIdHex: hex(id), lastEventIdParam: null });
  });

  it('an id with a control character, which Node cannot put in a header, goes in the query', async () => {
    const k = newKey('control');
    const conn = open(`/sse/id?k=${k}&id=${encodeURIComponent('a\u0001b')}`, { transport });
    await until(() => conn.getSnapshot().status === 'closed');
    expect(requestsFor(k)).toHaveLength(2);
    expect(requestsFor(k)[1]).toMatchObject({ lastEventIdHex: null, lastEventIdParam: 'a\u0001b' });
  });

  it('named events reach lastMessage and "*" listeners', async () => {
    const k = newKey('named');
    const conn = open(`/sse/named?k=${k}`, { transport });
    const any: string[] = [];
    conn.addEventListener('*', (m) => any.push(m.type));
    await until(() => any.length > 0);
    expect(conn.getSnapshot().lastMessage).toMatchObject({ type: 'alert' });
    expect(any[0]).toBe('alert');
  });

  it('a 401 with a JSON error body shows its message', async () => {
    const k = newKey('json');
    const conn = open(`/sse/status?k=${k}&status=401&message=Invalid%20API%20key`, { transport });
    await until(() => conn.getSnapshot().status === 'closed');
    expect(conn.getSnapshot().error?.message).toMatch(/: Invalid API key$/);
  });

  it('an event over maxBufferSize fails for good with a typed error', async () => {
    const k = newKey('big');
    const conn = open(`/sse/big?k=${k}&size=${2 * 1024 * 1024}`, {
      transport,
      maxBufferSize: 1024 * 1024,
    });
    await until(() => conn.getSnapshot().status === 'closed');
    expect(conn.getSnapshot().error).toMatchObject({ type: 'parse', code: 'buffer-overflow' });
  });
});

describe.each([
  ['Node http (default)', {}],
  ['fetch', { fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init) }],
])('EventSource class over %s', (_name, init) => {
  function start(path: string) {
    const es = new EventSource(url(path), init);
    stops.push(() => es.close());
    const errors: Event[] = [];
    const messages: MessageEvent[] = [];
    es.onerror = (e) => errors.push(e);
    es.onmessage = (e) => messages.push(e);
    return { es, errors, messages };
  }

  it.each(['status=401', 'status=503', 'status=200&type=text/html'])(
    '%s: 1 request, an error event, CLOSED',
    async (query) => {
      const k = newKey('es-refused');
      const { es, errors } = start(`/sse/status?k=${k}&${query}`);
      await until(() => errors.length === 1);
      expect(es.readyState).toBe(EventSource.CLOSED);
      await new Promise((r) => setTimeout(r, 300));
      expect(requestsFor(k)).toHaveLength(1);
    },
  );

  it('resumes after each end with a UTF-8 Last-Event-ID, waiting the reconnection time', async () => {
    const k = newKey('es-resume');
    const { messages } = start(`/sse/event-close?k=${k}&retry=300`);
    await until(() => messages.length === 3);
    const requests = requestsFor(k);
    expect(requests.map((r) => r.lastEventIdHex)).toEqual([null, hex('1'), hex('2')]);
    for (let i = 1; i < requests.length; i++) {
      expect(requests[i]!.at - requests[i - 1]!.at).toBeGreaterThanOrEqual(290);
    }
  });

  it('a comment, then the end, every time: backs off from 3 s (simulated 60 s)', async () => {
    fakeClock();
    const k = newKey('es-comment');
    start(`/sse/comment-close?k=${k}`);
    // Steps of simulated time; each step lets real I/O run.
    for (let t = 0; t < 60_000; t += 100) {
      vi.advanceTimersByTime(100);
      for (let i = 0; i < 20; i++) await realTurn();
    }
    const requests = requestsFor(k);
    expect(requests.length).toBeGreaterThanOrEqual(3);
    expect(requests.length).toBeLessThanOrEqual(12);
  });
});
