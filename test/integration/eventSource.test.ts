import { afterEach, describe, expect, it } from 'vitest';
import { EventSource, type SSEEvent, type SSEMessageEvent } from '../../src/core/eventSource.js';
import { frame, sseHead, startSSEServer, until, type TestSSEServer } from '../helpers/sseServer.js';

let server: TestSSEServer | undefined;
let es: EventSource | undefined;
afterEach(async () => {
  es?.close();
  es = undefined;
  await server?.close();
  server = undefined;
});

describe('EventSource (WHATWG interface) against a real server', () => {
  it('has the constants on the class and on instances, url and withCredentials', async () => {
    server = await startSSEServer((_req, res) => sseHead(res));
    expect([EventSource.CONNECTING, EventSource.OPEN, EventSource.CLOSED]).toEqual([0, 1, 2]);
    es = new EventSource(server.url('/e?x=1'), { withCredentials: true });
    expect([es.CONNECTING, es.OPEN, es.CLOSED]).toEqual([0, 1, 2]);
    expect(es.url).toBe(server.url('/e?x=1'));
    expect(es.withCredentials).toBe(true);
    expect(es.readyState).toBe(EventSource.CONNECTING);
  });

  it('throws a SyntaxError for an invalid URL', () => {
    expect(() => new EventSource('http://[::1')).toThrow(/invalid/i);
    try {
      new EventSource('http://[::1');
    } catch (e) {
      expect((e as Error).name).toBe('SyntaxError');
    }
  });

  it('fires open, message (handler and listeners), named events, with MessageEvent fields', async () => {
    server = await startSSEServer((_req, res) => {
      sseHead(res);
      res.write(frame({ id: 'a1', data: 'hello' }));
      res.write(frame({ id: 'a2', event: 'alert', data: 'careful' }));
    });
    es = new EventSource(server.url('/e'));
    const log: string[] = [];
    es.onopen = (e) => log.push(`onopen ${e.type} ${es!.readyState}`);
    es.onmessage = (e) => log.push(`onmessage ${e.data} ${e.lastEventId}`);
    es.addEventListener('message', (e: SSEMessageEvent) => log.push(`listener ${e.data}`));
    es.addEventListener('alert', (e: SSEMessageEvent) => {
      log.push(
        `alert ${e.data} ${e.lastEventId} ${e.origin === `http://127.0.0.1:${server!.port}`}`,
      );
      expect(e.target).toBe(es);
    });
    await until(() => log.length >= 4, 3000, 'events');
    expect(log).toEqual([
      'onopen open 1',
      'onmessage hello a1',
      'listener hello',
      'alert careful a2 true',
    ]);
  });

  it('a listener added during a dispatch waits for the next event; a removed one is not called again', async () => {
    server = await startSSEServer((_req, res) => {
      sseHead(res);
      for (let i = 1; i <= 3; i++) res.write(frame({ event: 'tick', data: String(i) }));
    });
    es = new EventSource(server.url('/e'));
    const seen: string[] = [];
    const late = (e: SSEMessageEvent) => seen.push(`late${e.data}`);
    const second = (e: SSEMessageEvent) => seen.push(`second${e.data}`);
    es.addEventListener('tick', (e: SSEMessageEvent) => {
      seen.push(`first${e.data}`);
      if (e.data === '1') es!.addEventListener('tick', late);
      if (e.data === '2') es!.removeEventListener('tick', second);
    });
    es.addEventListener('tick', second);
    await until(() => seen.includes('first3'), 3000, 'three ticks');
    expect(seen).toEqual(['first1', 'second1', 'first2', 'late2', 'first3', 'late3']);
  });

  it('stamps events with the time their bytes arrived: one chunk, one timeStamp', async () => {
    let second: (() => void) | undefined;
    server = await startSSEServer((_req, res) => {
      sseHead(res);
      res.write(frame({ data: 'a' }) + frame({ data: 'b' }));
      second = () => res.write(frame({ data: 'c' }));
    });
    const before = performance.now();
    es = new EventSource(server.url('/e'));
    const events: SSEMessageEvent[] = [];
    es.onmessage = (e) => events.push(e);
    await until(() => events.length === 2, 3000, 'first chunk');
    await new Promise((r) => setTimeout(r, 30));
    second!();
    await until(() => events.length === 3, 3000, 'second chunk');
    const [a, b, c] = events.map((e) => e.timeStamp);
    expect(a).toBeGreaterThanOrEqual(before);
    expect(b).toBe(a);
    expect(c! - a!).toBeGreaterThanOrEqual(25);
    expect(c).toBeLessThanOrEqual(performance.now());
    expect(events[0]!.currentTarget).toBe(es);
    expect(events[0]!.error).toBeUndefined();
  });

  it('dedupes listeners, supports once, handleEvent objects, removal and AbortSignal', async () => {
    server = await startSSEServer((_req, res) => {
      sseHead(res);
      for (let i = 1; i <= 3; i++) res.write(frame({ data: String(i) }));
    });
    es = new EventSource(server.url('/e'));
    const seen: string[] = [];
    const fn = (e: SSEMessageEvent) => seen.push(`fn${e.data}`);
    es.addEventListener('message', fn);
    es.addEventListener('message', fn);
    es.addEventListener('message', (e: SSEMessageEvent) => seen.push(`once${e.data}`), {
      once: true,
    });
    es.addEventListener('message', {
      handleEvent: (e: SSEMessageEvent) => seen.push(`obj${e.data}`),
    });
    const ac = new AbortController();
    es.addEventListener(
      'message',
      (e: SSEMessageEvent) => {
        seen.push(`sig${e.data}`);
        ac.abort();
      },
      { signal: ac.signal },
    );
    const removed = () => seen.push('removed');
    es.addEventListener('message', removed);
    es.removeEventListener('message', removed);
    await until(() => seen.filter((s) => s.startsWith('fn')).length === 3, 3000, 'three');
    expect(seen).toEqual(['fn1', 'once1', 'obj1', 'sig1', 'fn2', 'obj2', 'fn3', 'obj3']);
  });

  it('fails the connection for good on non-200 and wrong Content-Type', async () => {
    server = await startSSEServer((req, res) => {
      if (req.url === '/500') {
        res.writeHead(500);
        res.end();
      } else {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{}');
      }
    });
    for (const path of ['/500', '/json']) {
      const source = new EventSource(server.url(path));
      const errors: SSEEvent[] = [];
      source.onerror = (e) => errors.push(e);
      await until(() => errors.length === 1, 3000, 'error');
      expect(source.readyState).toBe(EventSource.CLOSED);
      await new Promise((r) => setTimeout(r, 100));
      expect(errors).toHaveLength(1);
    }
    expect(server.requests).toHaveLength(2);
  });

  it('reconnects on network loss with Last-Event-ID after the retry: time, readyState CONNECTING meanwhile', async () => {
    server = await startSSEServer((req, res) => {
      sseHead(res);
      const last = req.headers['last-event-id'];
      res.write(
        frame({
          retry: 50,
          id: last ? `${last}+` : '1',
          data: last ? `resumed from ${last}` : 'first',
        }),
      );
    });
    es = new EventSource(server.url('/e'));
    const data: string[] = [];
    const states: number[] = [];
    es.onmessage = (e) => data.push(e.data);
    es.onerror = () => states.push(es!.readyState);
    await until(() => data.length === 1, 3000, 'first');
    server.dropAll();
    await until(() => data.length === 2, 3000, 'resumed');
    expect(data).toEqual(['first', 'resumed from 1']);
    expect(states).toEqual([EventSource.CONNECTING]);
    es.close();
    expect(es.readyState).toBe(EventSource.CLOSED);
  });

  it('close() stops everything: no more events, no reconnect', async () => {
    server = await startSSEServer((_req, res) => {
      sseHead(res);
      res.write(frame({ retry: 20, data: 'x' }));
    });
    es = new EventSource(server.url('/e'));
    let count = 0;
    es.onmessage = () => count++;
    await until(() => count === 1, 3000, 'first');
    es.close();
    server.dropAll();
    await new Promise((r) => setTimeout(r, 150));
    expect(server.requests).toHaveLength(1);
    expect(count).toBe(1);
  });
});
