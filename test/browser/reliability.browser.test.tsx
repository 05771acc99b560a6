import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConnectionOptions } from 'sse-hooks/core';
import {
  crossOrigin,
  hex,
  newKey,
  seen,
  simulate,
  until,
  viaConnection,
  viaHooks,
  type Client,
  type Driver,
} from './harness';

// Every promise of the README's reconnect table, in real Chromium, on the default transport,
// driven through `Connection` and through the public hooks in StrictMode. Time-heavy rows run on
// a simulated clock (fake `setTimeout` and `Date`) while every request goes over the network.

let client: Client | undefined;
afterEach(() => {
  client?.stop();
  client = undefined;
  vi.useRealTimers();
});

const fakeClock = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const drivers: Array<[string, Driver]> = [
  ['Connection', viaConnection],
  ['hooks (StrictMode)', viaHooks],
];

describe.each(drivers)('default transport (fetch), through %s', (_name, drive) => {
  const start = (url: string, options?: ConnectionOptions, listen?: string) =>
    (client = drive(url, options, listen));

  it.each([
    ['401', 'status=401', 'http', 401],
    ['403', 'status=403', 'http', 403],
    ['404', 'status=404', 'http', 404],
    ['204', 'status=204', 'http', 204],
    ['200 text/html', 'status=200&type=text/html', 'content-type', undefined],
  ])('%s: exactly 1 request, closed for good', async (_row, query, type, status) => {
    const k = newKey('refused');
    const c = start(`/sse/status?k=${k}&${query}`);
    await until(() => c.state().status === 'closed', 5000, 'closed');
    await sleep(1000);
    expect(await seen(k)).toHaveLength(1);
    expect(c.state().error).toMatchObject(status ? { type, status } : { type });
  });

  it.each([500, 502, 503, 504, 429])(
    '%i: retried with growing delays, never sooner than Retry-After',
    async (status) => {
      const k = newKey(`retried-${status}`);
      fakeClock();
      const c = start(`/sse/status?k=${k}&status=${status}`, { reconnect: { initialDelay: 300 } });
      const delays = await simulate(c, 10_000);
      expect(c.state()).toMatchObject({ status: 'reconnecting', error: { type: 'http', status } });
      expect(delays.length).toBeGreaterThanOrEqual(3);
      for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThan(delays[i - 1]!);
      expect(delays[0]).toBeGreaterThanOrEqual(300);
      expect(await seen(k)).toHaveLength(delays.length + 1);

      const k2 = newKey(`retry-after-${status}`);
      client!.stop();
      const c2 = start(`/sse/status?k=${k2}&status=${status}&retryAfter=4`, {
        reconnect: { initialDelay: 300 },
      });
      const waited = await simulate(c2, 10_000);
      expect(waited.length).toBeGreaterThanOrEqual(2);
      for (const delay of waited) expect(delay).toBeGreaterThanOrEqual(4000);
    },
  );

  it('503 with Retry-After after a healthy stream (a deploy): reconnects, not sooner', async () => {
    const k = newKey('deploy');
    fakeClock();
    const c = start(`/sse/healthy-then?k=${k}&then=503&retryAfter=5`);
    const delays = await simulate(c, 40_000);
    expect(c.state()).toMatchObject({ status: 'reconnecting', error: { status: 503 } });
    expect(c.state().lastMessage).toMatchObject({ data: 'hello' });
    // The first wait follows the end of the healthy stream; every one after a 503 honours it.
    expect(delays.length).toBeGreaterThanOrEqual(3);
    expect(delays[0]).toBeGreaterThanOrEqual(3000);
    for (const delay of delays.slice(1)) expect(delay).toBeGreaterThanOrEqual(5000);
  });

  it.each(['500', 'drop'])(
    'retry: 0, then %s on every request: at most 12 requests in 10 s',
    async (then) => {
      const k = newKey(`retry0-${then}`);
      fakeClock();
      const c = start(`/sse/healthy-then?k=${k}&retry=0&then=${then}`);
      const delays = await simulate(c, 10_000);
      const requests = await seen(k);
      expect(requests.length).toBeLessThanOrEqual(12);
      // Chromium re-sends a request once by itself when a reused socket is reset before any answer,
      // so a dropping server may see two requests per attempt: the first attempt's too, when it
      // goes over a socket an earlier test left open.
      expect(requests.length).toBeLessThanOrEqual(
        then === 'drop' ? 2 * (delays.length + 1) : delays.length + 1,
      );
      expect(requests.length).toBeGreaterThanOrEqual(delays.length + 1);
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(250);
    },
  );

  it('a server that sends a comment and closes: at most 12 requests in 60 s', async () => {
    const k = newKey('comment');
    fakeClock();
    const c = start(`/sse/comment-close?k=${k}`);
    const delays = await simulate(c, 60_000);
    const requests = await seen(k);
    expect(requests.length).toBeLessThanOrEqual(12);
    // Never more eager than the browser's own EventSource: 3 s, then longer.
    expect(delays[0]).toBeGreaterThanOrEqual(3000);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThan(delays[i - 1]!);
  });

  it('reconnect: false makes exactly 1 request', async () => {
    const k = newKey('no-reconnect');
    const c = start(`/sse/comment-close?k=${k}`, { reconnect: false });
    await until(() => c.state().status === 'closed', 5000, 'closed');
    await sleep(500);
    expect(await seen(k)).toHaveLength(1);
    expect(c.state().error).toMatchObject({ type: 'network', code: 'stream-ended' });
  });

  it('maxAttempts: 2 makes exactly 3 requests', async () => {
    const k = newKey('max-attempts');
    fakeClock();
    const c = start(`/sse/status?k=${k}&status=503`, { reconnect: { maxAttempts: 2 } });
    await simulate(c, 120_000);
    expect(c.state()).toMatchObject({ status: 'closed', error: { status: 503 } });
    expect(await seen(k)).toHaveLength(3);
  });

  it('a stream closed after every event resumes with the right Last-Event-ID', async () => {
    const k = newKey('event-close');
    const c = start(`/sse/event-close?k=${k}`);
    await until(() => c.state().lastEventId === '4', 10_000, 'four events');
    const requests = await seen(k);
    expect(requests.map((r) => r.lastEventIdHex)).toEqual([null, hex('1'), hex('2'), hex('3')]);
    expect(requests.every((r) => r.lastEventIdParam === null)).toBe(true);
    expect(c.state().lastMessage).toEqual({ type: 'message', data: 'event 4' });
  });

  it('a server that ends every response without retry: waits at least 3 s each time', async () => {
    const k = newKey('php-limit');
    fakeClock();
    const c = start(`/sse/event-close?k=${k}&retry=none`);
    const delays = await simulate(c, 30_000);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(3000);
    expect((await seen(k)).length).toBeLessThanOrEqual(11);
  });

  it('lastMessage shows named events with no other component mounted', async () => {
    const k = newKey('named');
    const c = start(`/sse/named?k=${k}`);
    await until(() => c.state().lastMessage !== null, 5000, 'a named event');
    expect(c.state().lastMessage).toMatchObject({ type: 'alert' });
  });

  it('a 401 with a JSON error body shows its message', async () => {
    const k = newKey('json-401');
    const c = start(`/sse/status?k=${k}&status=401&message=Invalid%20API%20key`);
    await until(() => c.state().status === 'closed', 5000, 'closed');
    expect(c.state().error?.message).toMatch(/: Invalid API key$/);
    expect(c.state().error).toMatchObject({ type: 'http', status: 401 });
  });

  it('an event over maxBufferSize fails for good with a typed error', async () => {
    const k = newKey('big');
    const c = start(`/sse/big?k=${k}&size=${2 * 1024 * 1024}`, { maxBufferSize: 1024 * 1024 });
    await until(() => c.state().status === 'closed', 10_000, 'closed');
    expect(c.state().error).toMatchObject({ type: 'parse', code: 'buffer-overflow' });
    expect(c.state().lastMessage).toBeNull();
    await sleep(500);
    expect(await seen(k)).toHaveLength(1);
  });

  it('a cross-origin stream from a server that answers no preflight resumes after a drop', async () => {
    const origin = await crossOrigin();
    const k = newKey('cross');
    const c = start(`${origin}/sse/event-close?k=${k}`);
    await until(() => c.state().lastEventId === '3', 10_000, 'three events across drops');
    const requests = await seen(k, origin);
    expect(requests.map((r) => r.method)).toEqual(['GET', 'GET', 'GET']);
    expect(requests.map((r) => r.lastEventIdParam)).toEqual([null, '1', '2']);
    expect(requests.every((r) => r.lastEventIdHex === null)).toBe(true);
  });
});

describe('Last-Event-ID on the wire', () => {
  const ids = ['…', 'é-42', '中文-7', '😀', 'a\u0001b', 'tab\there'];

  it.each(ids)('%j is UTF-8, byte-exact with Chromium’s own EventSource', async (id) => {
    const k = newKey('bytes');
    const url = `/sse/id?k=${k}&id=${encodeURIComponent(id)}`;
    client = viaConnection(url);
    await until(() => client!.state().status === 'closed', 5000, 'the 204 after the resume');
    const ours = (await seen(k))[1]!.lastEventIdHex;

    const k2 = newKey('bytes-native');
    const native = new window.EventSource(`/sse/id?k=${k2}&id=${encodeURIComponent(id)}`);
    try {
      await until(() => native.readyState === 2, 10_000, 'native resume');
    } finally {
      native.close();
    }
    const theirs = (await seen(k2))[1]!.lastEventIdHex;
    expect(ours).toBe(theirs);
    expect(ours).toBe(hex(id));
  });
});

describe("transport 'native' (opt-in)", () => {
  it('refuses options the browser EventSource cannot honour, naming them', () => {
    for (const options of [
      { headers: { Authorization: 'Bearer x' } },
      { method: 'POST' },
      { body: { a: 1 } },
      { maxBufferSize: 1024 },
      { reconnect: { initialDelay: 100 } },
      { retryOn: () => true },
    ] as ConnectionOptions[]) {
      expect(() => viaConnection('/sse/named', { ...options, transport: 'native' })).toThrow(
        new RegExp(`transport 'native' cannot honour: ${Object.keys(options)[0]}`),
      );
    }
  });

  it.each([401, 503])(
    '%i: 1 request, closed for good (the browser does not say why)',
    async (status) => {
      const k = newKey(`native-${status}`);
      const c = (client = viaConnection(`/sse/status?k=${k}&status=${status}`, {
        transport: 'native',
      }));
      await until(() => c.state().status === 'closed', 5000, 'closed');
      await sleep(500);
      expect(await seen(k)).toHaveLength(1);
      expect(c.state().error).toMatchObject({ type: 'http', code: 'rejected' });
    },
  );

  it('reconnect: false and maxAttempts: 2 are honoured: 1 and 3 requests', async () => {
    const k = newKey('native-false');
    const c = (client = viaConnection(`/sse/comment-close?k=${k}&retry=300`, {
      transport: 'native',
      reconnect: false,
    }));
    await until(() => c.state().status === 'closed', 5000, 'closed');
    await sleep(1000);
    expect(await seen(k)).toHaveLength(1);
    c.stop();

    const k2 = newKey('native-max');
    const c2 = (client = viaConnection(`/sse/comment-close?k=${k2}&retry=300`, {
      transport: 'native',
      reconnect: { maxAttempts: 2 },
    }));
    await until(() => c2.state().status === 'closed', 10_000, 'closed');
    await sleep(1000);
    expect(await seen(k2)).toHaveLength(3);
  });

  it('resumes with Last-Event-ID; named events reach lastMessage only for listened types', async () => {
    const k = newKey('native-resume');
    const c = (client = viaConnection(`/sse/event-close?k=${k}`, { transport: 'native' }));
    await until(() => c.state().lastEventId === '3', 10_000, 'three events');
    const requests = await seen(k);
    expect(requests.slice(0, 3).map((r) => r.lastEventIdHex)).toEqual([null, hex('1'), hex('2')]);
    c.stop();

    const k2 = newKey('native-named');
    const unheard = (client = viaConnection(`/sse/named?k=${k2}`, { transport: 'native' }));
    await sleep(500);
    expect(unheard.state().lastMessage).toBeNull();
    unheard.stop();
    const heard = (client = viaConnection(`/sse/named?k=${k2}`, { transport: 'native' }, 'alert'));
    await until(() => heard.state().named.length > 0, 5000, 'alert events');
    expect(heard.state().lastMessage).toMatchObject({ type: 'alert' });
  });
});
