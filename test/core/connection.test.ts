import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Connection, SSEError, type SSEMessage } from 'sse-hooks/core';
import { ScriptedTransport, flush } from '../helpers/scriptedTransport.js';

const URL_ = 'http://127.0.0.1:9/events';
const enc = new TextEncoder();

function setup(options: ConstructorParameters<typeof Connection>[1] = {}) {
  const transport = new ScriptedTransport();
  const conn = new Connection(URL_, { transport, random: () => 0.5, ...options });
  const messages: SSEMessage[] = [];
  conn.addEventListener('*', (m) => messages.push(m));
  return { transport, conn, messages };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Connection state machine', () => {
  it('starts closed, then connecting, then open; close() ends it', async () => {
    const { transport, conn } = setup();
    expect(conn.getSnapshot()).toMatchObject({ status: 'closed', readyState: 2 });
    conn.open();
    expect(conn.getSnapshot()).toMatchObject({ status: 'connecting', readyState: 0 });
    await flush();
    expect(transport.attempts).toHaveLength(1);
    expect(transport.last.request).toMatchObject({ url: URL_, method: 'GET', lastEventId: '' });
    transport.last.sink.open(URL_);
    expect(conn.getSnapshot()).toMatchObject({ status: 'open', readyState: 1, error: null });
    conn.close();
    expect(conn.getSnapshot()).toMatchObject({ status: 'closed', readyState: 2 });
    expect(transport.last.request.signal.aborted).toBe(true);
  });

  it('keeps snapshot identity until something changes', async () => {
    const { transport, conn } = setup();
    conn.open();
    await flush();
    transport.last.sink.open(URL_);
    const a = conn.getSnapshot();
    expect(conn.getSnapshot()).toBe(a);
    transport.last.sink.chunk('data: x\n\n');
    const b = conn.getSnapshot();
    expect(b).not.toBe(a);
    expect(b.lastMessage).toEqual({
      type: 'message',
      data: 'x',
      lastEventId: '',
      origin: 'http://127.0.0.1:9',
    });
    expect(a.lastMessage).toBeNull();
  });

  it('remembers the last event of the last 256 types only', async () => {
    const { transport, conn } = setup();
    conn.open();
    await flush();
    transport.last.sink.open('http://127.0.0.1:9/');
    let text = '';
    for (let i = 0; i < 300; i++) text += `event: t${i}\ndata: ${i}\n\n`;
    text += 'event: t299\ndata: again\n\n';
    transport.last.sink.chunk(enc.encode(text));
    expect(conn.getLastEvent('t0')).toBeUndefined();
    expect(conn.getLastEvent('t43')).toBeUndefined();
    expect(conn.getLastEvent('t44')?.data).toBe('44');
    expect(conn.getLastEvent('t299')?.data).toBe('again');
  });

  it('delivers events by type, in order, with lastEventId and origin', async () => {
    const { transport, conn, messages } = setup();
    const alerts: string[] = [];
    conn.addEventListener('alert', (m) => alerts.push(m.data));
    conn.open();
    await flush();
    transport.last.sink.open('http://127.0.0.1:9/final');
    transport.last.sink.chunk(
      enc.encode('id: 1\nevent: alert\ndata: a\n\ndata: m\n\nid: 3\nevent: update\ndata: u\n\n'),
    );
    expect(messages.map((m) => [m.type, m.data, m.lastEventId])).toEqual([
      ['alert', 'a', '1'],
      ['message', 'm', '1'],
      ['update', 'u', '3'],
    ]);
    expect(alerts).toEqual(['a']);
    expect(conn.getLastEvent('alert')?.data).toBe('a');
    expect(conn.getLastEvent('update')?.lastEventId).toBe('3');
    expect(conn.getSnapshot().lastEventId).toBe('3');
  });

  it('an id-only block updates lastEventId without dispatching', async () => {
    const { transport, conn, messages } = setup();
    conn.open();
    await flush();
    transport.last.sink.open(URL_);
    transport.last.sink.chunk('id: 42\n\n');
    expect(messages).toHaveLength(0);
    expect(conn.getSnapshot().lastEventId).toBe('42');
  });

  it('a transport that throws fails the attempt with a network error and retries', async () => {
    let calls = 0;
    const conn = new Connection(URL_, {
      random: () => 0.5,
      reconnect: { initialDelay: 100, jitter: false },
      transport: {
        name: 'throwing',
        connect() {
          calls++;
          throw new TypeError('broken transport');
        },
      },
    });
    conn.open();
    await flush();
    expect(conn.getSnapshot()).toMatchObject({ status: 'reconnecting', attempt: 1 });
    expect(conn.getSnapshot().error).toMatchObject({ type: 'network', code: 'transport' });
    expect(conn.getSnapshot().error!.message).toMatch(/broken transport/);
    await vi.advanceTimersByTimeAsync(250);
    expect(calls).toBe(2);
    conn.close();
  });

  it('tells the native transport which types to deliver', async () => {
    const { transport, conn } = setup();
    conn.addEventListener('alert', () => {});
    conn.open();
    await flush();
    expect([...transport.last.listened]).toEqual(['alert']);
    conn.addEventListener('update', () => {});
    expect(transport.last.listened.has('update')).toBe(true);
  });
});

describe('Connection reconnects', () => {
  it('uses the server retry: time, sends Last-Event-ID and shows reconnecting with the attempt', async () => {
    const { transport, conn } = setup({ random: () => 0 });
    conn.open();
    await flush();
    transport.last.sink.open(URL_);
    transport.last.sink.chunk('retry: 2500\nid: 7\ndata: x\n\n');
    transport.last.sink.end();
    const snap = conn.getSnapshot();
    expect(snap).toMatchObject({ status: 'reconnecting', readyState: 0, attempt: 1 });
    expect(snap.error).toMatchObject({ type: 'network', willRetry: true, code: 'stream-ended' });
    expect(snap.nextRetryAt).toBe(Date.now() + 2500);
    vi.advanceTimersByTime(2499);
    await flush();
    expect(transport.attempts).toHaveLength(1);
    vi.advanceTimersByTime(1);
    await flush();
    expect(transport.attempts).toHaveLength(2);
    expect(transport.last.request.lastEventId).toBe('7');
    transport.last.sink.open(URL_);
    expect(conn.getSnapshot()).toMatchObject({ status: 'open', attempt: 0, error: null });
  });

  it('a new stream starts from the last event ID, so id-less events after a reconnect keep it', async () => {
    const { transport, conn, messages } = setup({ reconnect: { initialDelay: 10, jitter: false } });
    conn.open();
    await flush();
    transport.last.sink.open(URL_);
    transport.last.sink.chunk('id: 9\ndata: a\n\n');
    transport.last.sink.end();
    vi.advanceTimersByTime(250);
    await flush();
    transport.last.sink.open(URL_);
    transport.last.sink.chunk('data: b\n\n');
    expect(messages.map((m) => m.lastEventId)).toEqual(['9', '9']);
    transport.last.sink.end();
    vi.advanceTimersByTime(250);
    await flush();
    expect(transport.last.request.lastEventId).toBe('9');
  });

  it('backs off exponentially with jitter and a cap while failures repeat', async () => {
    const random = vi.fn(() => 0.999);
    const { transport, conn } = setup({
      random,
      reconnect: { initialDelay: 100, maxDelay: 1000, factor: 2 },
    });
    conn.open();
    await flush();
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      transport.last.sink.error(new SSEError('network', 'down'));
      const s = conn.getSnapshot();
      delays.push((s.nextRetryAt ?? 0) - Date.now());
      expect(s.attempt).toBe(i + 1);
      vi.advanceTimersByTime(delays[i]!);
      await flush();
    }
    // min(cap, max(250, 100) * 2^(n-1)) plus jitter of up to half of it: floor(0.999 * d / 2)
    expect(delays).toEqual([374, 749, 1499, 1499, 1499, 1499]);
    expect(transport.attempts).toHaveLength(7);
    expect(random).toHaveBeenCalled();
  });

  it('resets the backoff only once a reopened stream delivers an event', async () => {
    const { transport, conn } = setup({
      random: () => 0,
      reconnect: { initialDelay: 300, maxDelay: 60_000 },
    });
    conn.open();
    await flush();
    for (let i = 0; i < 3; i++) {
      transport.last.sink.error(new SSEError('network', 'down'));
      vi.advanceTimersByTime(10_000);
      await flush();
    }
    // Bytes, a comment, a retry: field and an id-only block prove nothing: the backoff goes on.
    transport.last.sink.open(URL_);
    transport.last.sink.chunk(': hi\nretry: 300\nid: 4\n\n');
    transport.last.sink.end();
    expect(conn.getSnapshot().attempt).toBe(4);
    expect((conn.getSnapshot().nextRetryAt ?? 0) - Date.now()).toBe(2400);
    vi.advanceTimersByTime(2400);
    await flush();
    transport.last.sink.open(URL_);
    transport.last.sink.chunk('data: an event\n\n');
    transport.last.sink.end();
    expect(conn.getSnapshot().attempt).toBe(1);
    expect((conn.getSnapshot().nextRetryAt ?? 0) - Date.now()).toBe(300);
  });

  it('honours Retry-After on 503 and 429', async () => {
    for (const status of [503, 429]) {
      const { transport, conn } = setup({ reconnect: { initialDelay: 10 } });
      conn.open();
      await flush();
      transport.last.sink.error(new SSEError('http', 'busy', { status, retryAfterMs: 5000 }));
      expect(conn.getSnapshot()).toMatchObject({ status: 'reconnecting' });
      expect(conn.getSnapshot().error).toMatchObject({ status, willRetry: true });
      expect((conn.getSnapshot().nextRetryAt ?? 0) - Date.now()).toBe(5000);
      vi.advanceTimersByTime(4999);
      await flush();
      expect(transport.attempts).toHaveLength(1);
      vi.advanceTimersByTime(1);
      await flush();
      expect(transport.attempts).toHaveLength(2);
      conn.close();
    }
  });

  it.each([
    ['401', new SSEError('http', 'no', { status: 401 })],
    ['404', new SSEError('http', 'no', { status: 404 })],
    ['204', new SSEError('http', 'done', { status: 204, code: 'no-content' })],
    ['wrong content type', new SSEError('content-type', 'html', { contentType: 'text/html' })],
    ['parse', new SSEError('parse', 'too big', { code: 'buffer-overflow' })],
  ])('fails for good on %s', async (_name, error) => {
    const { transport, conn } = setup();
    const errors: SSEError[] = [];
    conn.onError((e) => errors.push(e));
    conn.open();
    await flush();
    transport.last.sink.error(error);
    expect(conn.getSnapshot()).toMatchObject({ status: 'closed', readyState: 2 });
    expect(conn.getSnapshot().error).toMatchObject({ type: error.type, willRetry: false });
    expect(errors).toHaveLength(1);
    vi.advanceTimersByTime(120_000);
    await flush();
    expect(transport.attempts).toHaveLength(1);
  });

  it('retries 500 with backoff and gives up after maxAttempts', async () => {
    const { transport, conn } = setup({ reconnect: { initialDelay: 10, maxAttempts: 3 } });
    conn.open();
    await flush();
    for (let i = 0; i < 4; i++) {
      transport.last.sink.error(new SSEError('http', 'oops', { status: 500 }));
      vi.advanceTimersByTime(60_000);
      await flush();
    }
    expect(transport.attempts).toHaveLength(4);
    expect(conn.getSnapshot()).toMatchObject({ status: 'closed' });
    expect(conn.getSnapshot().error).toMatchObject({ status: 500, willRetry: false });
  });

  it('reconnect: false never retries', async () => {
    const { transport, conn } = setup({ reconnect: false });
    conn.open();
    await flush();
    transport.last.sink.error(new SSEError('network', 'down'));
    expect(conn.getSnapshot().status).toBe('closed');
    vi.advanceTimersByTime(60_000);
    expect(transport.attempts).toHaveLength(1);
  });

  it('close() cancels a scheduled retry and the pending request', async () => {
    const { transport, conn } = setup();
    conn.open();
    await flush();
    transport.last.sink.error(new SSEError('network', 'down'));
    expect(conn.getSnapshot().status).toBe('reconnecting');
    conn.close();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(120_000);
    await flush();
    expect(transport.attempts).toHaveLength(1);
    expect(conn.getSnapshot().status).toBe('closed');
  });

  it('ignores everything from a superseded attempt', async () => {
    const { transport, conn, messages } = setup({ reconnect: { initialDelay: 10, jitter: false } });
    conn.open();
    await flush();
    const first = transport.last;
    first.sink.open(URL_);
    first.sink.error(new SSEError('network', 'down'));
    vi.advanceTimersByTime(250);
    await flush();
    const second = transport.last;
    expect(second).not.toBe(first);
    first.sink.chunk('data: stale\n\n');
    first.sink.end();
    first.sink.error(new SSEError('network', 'late'));
    expect(messages).toHaveLength(0);
    expect(transport.attempts).toHaveLength(2);
    second.sink.open(URL_);
    second.sink.chunk('data: fresh\n\n');
    expect(messages.map((m) => m.data)).toEqual(['fresh']);
  });

  it('the stall watchdog reconnects when no byte arrives, comments included', async () => {
    const { transport, conn } = setup({
      stallTimeout: 1000,
      reconnect: { initialDelay: 10, jitter: false },
    });
    conn.open();
    await flush();
    transport.last.sink.open(URL_);
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(900);
      transport.last.sink.chunk(': keep-alive\n');
    }
    expect(transport.attempts).toHaveLength(1);
    vi.advanceTimersByTime(1000);
    expect(conn.getSnapshot().error).toMatchObject({
      type: 'network',
      code: 'stalled',
      willRetry: true,
    });
    expect(transport.attempts[0]!.request.signal.aborted).toBe(true);
    vi.advanceTimersByTime(250);
    await flush();
    expect(transport.attempts).toHaveLength(2);
  });

  it('the watchdog also covers a request that never answers', async () => {
    const { transport, conn } = setup({
      stallTimeout: 500,
      reconnect: { initialDelay: 10, jitter: false },
    });
    conn.open();
    await flush();
    vi.advanceTimersByTime(500);
    expect(conn.getSnapshot().error?.code).toBe('stalled');
    vi.advanceTimersByTime(250);
    await flush();
    expect(transport.attempts).toHaveLength(2);
  });

  it('waits for the browser to be online instead of burning attempts', async () => {
    const target = new EventTarget();
    const nav = { onLine: false };
    vi.stubGlobal('navigator', nav);
    vi.stubGlobal('addEventListener', target.addEventListener.bind(target));
    vi.stubGlobal('removeEventListener', target.removeEventListener.bind(target));
    try {
      const { transport, conn } = setup({ reconnect: { initialDelay: 10 } });
      conn.open();
      await flush();
      transport.last.sink.error(new SSEError('network', 'offline'));
      expect(conn.getSnapshot()).toMatchObject({ status: 'reconnecting', nextRetryAt: null });
      vi.advanceTimersByTime(60_000);
      await flush();
      expect(transport.attempts).toHaveLength(1);
      nav.onLine = true;
      target.dispatchEvent(new Event('online'));
      await flush();
      expect(transport.attempts).toHaveLength(2);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('calls a headers function on every (re)connect and sends JSON bodies', async () => {
    let token = 0;
    const headers = vi.fn(async () => ({ Authorization: `Bearer t${++token}` }));
    const { transport, conn } = setup({
      method: 'POST',
      headers,
      body: { prompt: 'hi' },
      reconnect: { initialDelay: 10, jitter: false },
    });
    conn.open();
    await flush();
    expect(transport.last.request).toMatchObject({
      method: 'POST',
      body: '{"prompt":"hi"}',
      headers: { Authorization: 'Bearer t1', 'Content-Type': 'application/json' },
    });
    transport.last.sink.error(new SSEError('network', 'x'));
    vi.advanceTimersByTime(250);
    await flush();
    expect(transport.last.request.headers.Authorization).toBe('Bearer t2');
    expect(headers).toHaveBeenCalledTimes(2);
  });

  it('a throwing listener does not break the stream or other listeners', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { transport, conn, messages } = setup();
    conn.addEventListener('message', () => {
      throw new Error('listener bug');
    });
    conn.open();
    await flush();
    transport.last.sink.open(URL_);
    transport.last.sink.chunk('data: 1\n\ndata: 2\n\n');
    expect(messages.map((m) => m.data)).toEqual(['1', '2']);
    expect(conn.getSnapshot().status).toBe('open');
    spy.mockRestore();
  });

  it('an aborted signal closes with an aborted error', async () => {
    const ac = new AbortController();
    const { transport, conn } = setup({ signal: ac.signal });
    conn.open();
    await flush();
    ac.abort();
    expect(conn.getSnapshot()).toMatchObject({ status: 'closed' });
    expect(conn.getSnapshot().error?.type).toBe('aborted');
    expect(transport.last.request.signal.aborted).toBe(true);
  });

  it('mirrors a self-reconnecting transport without opening a second request', async () => {
    const { transport, conn } = setup();
    transport.selfReconnecting = true;
    conn.open();
    await flush();
    transport.last.sink.open(URL_);
    transport.last.sink.reconnecting?.(new SSEError('network', 'lost'));
    expect(conn.getSnapshot()).toMatchObject({ status: 'reconnecting', attempt: 1 });
    transport.last.sink.open(URL_);
    expect(conn.getSnapshot()).toMatchObject({ status: 'open', attempt: 0 });
    expect(transport.attempts).toHaveLength(1);
  });

  it('an invalid URL fails for good', async () => {
    const transport = new ScriptedTransport();
    const conn = new Connection('not a url', { transport });
    conn.open();
    await flush();
    expect(conn.getSnapshot().status).toBe('closed');
    expect(conn.getSnapshot().error?.code).toBe('invalid-url');
    expect(transport.attempts).toHaveLength(0);
  });

  it('a self-reconnecting transport is ended by the policy: reconnect: false, maxAttempts', async () => {
    for (const [reconnect, losses] of [
      [false, 1],
      [{ maxAttempts: 2 }, 3],
    ] as const) {
      const { transport, conn } = setup({ reconnect });
      transport.selfReconnecting = true;
      conn.open();
      await flush();
      transport.last.sink.open(URL_);
      for (let i = 1; i < losses; i++) {
        transport.last.sink.reconnecting?.(new SSEError('network', 'lost'));
        expect(conn.getSnapshot()).toMatchObject({ status: 'reconnecting', nextRetryAt: null });
      }
      transport.last.sink.reconnecting?.(new SSEError('network', 'lost'));
      expect(conn.getSnapshot()).toMatchObject({ status: 'closed', error: { willRetry: false } });
      expect(transport.last.request.signal.aborted).toBe(true);
    }
  });

  it('close() from a listener drops the rest of the chunk; open() again starts clean', async () => {
    const { transport, conn, messages } = setup();
    conn.addEventListener('message', (m) => {
      if (m.data === '1') conn.close();
    });
    conn.open();
    await flush();
    transport.last.sink.open(URL_);
    transport.last.sink.chunk('data: 1\n\ndata: 2\n\ndata: 3\n\ndata: par');
    expect(messages.map((m) => m.data)).toEqual(['1']);
    conn.open();
    await flush();
    transport.last.sink.open(URL_);
    transport.last.sink.chunk('tial\n\ndata: 4\n\n');
    // The new attempt has a parser of its own: 'data: par' of the old chunk does not become
    // 'data: partial' ('tial' alone is a field without a value, ignored).
    expect(messages.map((m) => m.data)).toEqual(['1', '4']);
  });

  it('URLs of other schemes fail for good, after open() returned', async () => {
    for (const url of ['ftp://a.test/x', 'mailto:a@b.c', 'about:blank']) {
      const transport = new ScriptedTransport();
      const conn = new Connection(url, { transport: 'fetch' });
      conn.open();
      expect(conn.getSnapshot().status).toBe('connecting');
      await flush();
      expect(conn.getSnapshot()).toMatchObject({
        status: 'closed',
        error: { code: 'invalid-url' },
      });
      expect(transport.attempts).toHaveLength(0);
    }
  });
});

describe('Connection.inspect and reconnect', () => {
  it('counts events and bytes, keeps the failures as published, and the last event per type', async () => {
    const { transport, conn } = setup({ random: () => 0 });
    conn.open();
    await flush();
    transport.last.sink.open(URL_);
    transport.last.sink.chunk('event: a\ndata: 1\n\n: note\n\nid: 9\ndata: 2\n\n');
    transport.last.sink.end();
    const info = conn.inspect();
    expect(info).toMatchObject({
      url: URL_,
      method: 'GET',
      transport: 'scripted',
      events: 2,
      bytes: 41,
    });
    expect(info.lastEvents.map((m) => [m.type, m.data])).toEqual([
      ['a', '1'],
      ['message', '2'],
    ]);
    expect(info.history).toHaveLength(1);
    expect(info.history[0]!.error).toMatchObject({ code: 'stream-ended', willRetry: true });
    expect(info.snapshot).toBe(conn.getSnapshot());
    // Asking again builds a new object and changes nothing.
    expect(conn.inspect()).not.toBe(info);
    expect(conn.getSnapshot()).toBe(info.snapshot);
  });

  it('reconnect() drops the attempt and connects again at once with the last event ID', async () => {
    const { transport, conn } = setup();
    conn.reconnect();
    await flush();
    expect(transport.attempts).toHaveLength(1);
    transport.last.sink.open(URL_);
    transport.last.sink.chunk('id: 5\ndata: x\n\n');
    conn.reconnect();
    await flush();
    expect(transport.attempts).toHaveLength(2);
    expect(transport.attempts[0]!.request.signal.aborted).toBe(true);
    expect(transport.last.request.lastEventId).toBe('5');
    expect(conn.getSnapshot().status).toBe('connecting');
  });
});

describe("transport 'native'", () => {
  it('refuses, by name, every option the browser EventSource cannot honour', () => {
    const cases: Array<[ConstructorParameters<typeof Connection>[1], RegExp]> = [
      [
        { headers: { a: 'b' } },
        /cannot honour: headers \(the browser's EventSource sends a plain GET/,
      ],
      [{ body: 'x', method: 'POST' }, /cannot honour: method, body/],
      [{ fetch: globalThis.fetch }, /fetch/],
      [{ retryOn: () => true }, /retryOn/],
      [{ maxBufferSize: 10 }, /maxBufferSize/],
      [{ stallTimeout: 10 }, /stallTimeout/],
      [{ lastEventId: '3' }, /lastEventId/],
      [{ reconnect: { initialDelay: 10 } }, /reconnect delays/],
    ];
    for (const [options, message] of cases) {
      expect(() => new Connection(URL_, { ...options, transport: 'native' })).toThrow(message);
    }
    expect(
      () => new Connection(URL_, { transport: 'native', reconnect: { maxAttempts: 2 } }),
    ).not.toThrow();
    expect(() => new Connection(URL_, { transport: 'native', reconnect: false })).not.toThrow();
  });
});
