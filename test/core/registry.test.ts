import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConnectionRegistry } from 'sse-hooks/core';
import { stableJson, streamKey } from '../../src/core/options.js';
import { ScriptedTransport, flush } from '../helpers/scriptedTransport.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('ConnectionRegistry', () => {
  it('shares one connection per key and counts references', async () => {
    const transport = new ScriptedTransport();
    const registry = new ConnectionRegistry({ linger: 100 });
    const a = registry.acquire('http://h/e', { transport });
    const b = registry.acquire('http://h/e', { transport });
    await flush();
    expect(a.connection).toBe(b.connection);
    expect(transport.attempts).toHaveLength(1);
    a.release();
    a.release(); // idempotent
    vi.advanceTimersByTime(1000);
    expect(a.connection.getSnapshot().status).not.toBe('closed');
    b.release();
    vi.advanceTimersByTime(99);
    expect(a.connection.getSnapshot().status).not.toBe('closed');
    vi.advanceTimersByTime(1);
    expect(a.connection.getSnapshot().status).toBe('closed');
    expect(registry.size).toBe(0);
  });

  it('an immediate re-acquire reuses the open connection (StrictMode remount)', async () => {
    const transport = new ScriptedTransport();
    const registry = new ConnectionRegistry({ linger: 100 });
    const a = registry.acquire('http://h/e', { transport });
    await flush();
    a.release();
    vi.advanceTimersByTime(50);
    const b = registry.acquire('http://h/e', { transport });
    vi.advanceTimersByTime(500);
    await flush();
    expect(b.connection).toBe(a.connection);
    expect(transport.attempts).toHaveLength(1);
    expect(b.connection.getSnapshot().status).toBe('connecting');
  });

  it('different options get different connections', () => {
    const transport = new ScriptedTransport();
    const registry = new ConnectionRegistry();
    const a = registry.acquire('http://h/e', { transport });
    const b = registry.acquire('http://h/e', { transport, method: 'POST', body: { q: 1 } });
    const c = registry.acquire('http://h/other', { transport });
    expect(new Set([a.connection, b.connection, c.connection]).size).toBe(3);
    registry.closeAll();
    expect(a.connection.getSnapshot().status).toBe('closed');
  });

  it('keys ignore header name case, key order and object identity', () => {
    expect(
      streamKey('u', { headers: { A: '1', b: '2' }, body: { x: 1, y: [1, { b: 1, a: 2 }] } }),
    ).toBe(streamKey('u', { headers: { B: '2', a: '1' }, body: { y: [1, { a: 2, b: 1 }], x: 1 } }));
    expect(streamKey('u', { headers: { a: '1' } })).not.toBe(
      streamKey('u', { headers: { a: '2' } }),
    );
    expect(streamKey('u', { withCredentials: true })).toBe(
      streamKey('u', { credentials: 'include' }),
    );
    expect(streamKey('u', { method: 'get' })).toBe(streamKey('u'));
  });

  it('a release after a re-acquire lingers in full again', async () => {
    const transport = new ScriptedTransport();
    const registry = new ConnectionRegistry({ linger: 100 });
    registry.acquire('http://h/e', { transport }).release();
    vi.advanceTimersByTime(50);
    const b = registry.acquire('http://h/e', { transport });
    b.release();
    vi.advanceTimersByTime(99);
    expect(b.connection.getSnapshot().status).not.toBe('closed');
    vi.advanceTimersByTime(1);
    expect(b.connection.getSnapshot().status).toBe('closed');
  });

  it('inspect() lists each connection with its key, url and leases', () => {
    vi.useFakeTimers();
    const registry = new ConnectionRegistry({ linger: 100 });
    const transport = new ScriptedTransport();
    const a = registry.acquire('http://x.test/a', { transport });
    const b = registry.acquire('http://x.test/a', { transport });
    registry.acquire('http://x.test/b', { transport });
    expect(registry.inspect().map(({ url, subscribers }) => [url, subscribers])).toEqual([
      ['http://x.test/a', 2],
      ['http://x.test/b', 1],
    ]);
    expect(registry.inspect()[0]!.connection).toBe(a.connection);
    a.release();
    b.release();
    expect(registry.inspect()[0]!.subscribers).toBe(0);
    vi.advanceTimersByTime(100);
    expect(registry.inspect().map(({ url }) => url)).toEqual(['http://x.test/b']);
    registry.closeAll();
    vi.useRealTimers();
  });

  it('keys transports by identity and functions by presence', () => {
    const headers = () => ({ a: '1' });
    expect(streamKey('u', { headers })).toBe(streamKey('u', { headers: () => ({}) }));
    expect(streamKey('u', { headers })).not.toBe(streamKey('u'));
    expect(streamKey('u', { retryOn: () => true })).not.toBe(streamKey('u'));
    const t1 = new ScriptedTransport();
    const t2 = new ScriptedTransport();
    expect(streamKey('u', { transport: t1 })).not.toBe(streamKey('u', { transport: t2 }));
    // fetch is the default: naming it shares the same connection; the native one is another.
    expect(streamKey('u', { transport: 'fetch' })).toBe(streamKey('u'));
    expect(streamKey('u', { transport: 'native' })).not.toBe(streamKey('u'));
    expect(streamKey('u', { headers: {} })).not.toBe(streamKey('u'));
  });

  it("a shared connection calls the newest lease's function on its next connect", async () => {
    const transport = new ScriptedTransport();
    const registry = new ConnectionRegistry();
    const a = registry.acquire('http://h/e', { transport, headers: () => ({ who: 'a' }) });
    const b = registry.acquire('http://h/e', { transport, headers: () => ({ who: 'b' }) });
    expect(b.connection).toBe(a.connection);
    await flush();
    a.connection.reconnect();
    await flush();
    expect(transport.attempts.map((t) => t.request.headers.who)).toEqual(['a', 'b']);
    registry.closeAll();
  });

  it('stableJson sorts keys at every depth and drops or names functions', () => {
    const f = () => 1;
    expect(stableJson({ b: 1, a: { d: f, c: [2, { z: 1, y: 0 }] } })).toBe(
      '{"a":{"c":[2,{"y":0,"z":1}]},"b":1}',
    );
    expect(stableJson({ b: f, a: 1 }, 'ƒ')).toBe('{"a":1,"b":"ƒ"}');
  });
});
