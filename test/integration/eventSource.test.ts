import { afterEach, describe, expect, it } from 'vitest';
import { EventSource } from '../../src/core/node.js';
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
    es.addEventListener('message', (e: MessageEvent) => log.push(`listener ${e.data}`));
    es.addEventListener('alert', (e: MessageEvent) => {
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

  it('is an EventTarget that dispatches MessageEvents; handlers run in the order they were set', async () => {
    server = await startSSEServer((_req, res) => {
      sseHead(res);
      res.write(frame({ data: 'a' }));
    });
    es = new EventSource(server.url('/e'));
    expect(es).toBeInstanceOf(EventTarget);
    const order: string[] = [];
    const events: MessageEvent[] = [];
    es.addEventListener('message', () => order.push('listener before'));
    es.onmessage = (e) => {
      order.push('handler');
      events.push(e);
    };
    es.addEventListener('message', () => order.push('listener after'));
    // Replacing a handler keeps its place; setting null removes it.
    es.onmessage = (e) => {
      order.push('handler 2');
      events.push(e);
    };
    await until(() => events.length === 1, 3000, 'message');
    expect(order).toEqual(['listener before', 'handler 2', 'listener after']);
    expect(events[0]).toBeInstanceOf(MessageEvent);
    expect(events[0]).toMatchObject({ type: 'message', data: 'a', source: null });
    expect(events[0]!.target).toBe(es);
    es.onmessage = null;
    expect(es.onmessage).toBeNull();
  });

  it('dispatchEvent takes any Event, a MessageEvent included, as the DOM does', () => {
    es = new EventSource('http://127.0.0.1:9/never');
    const seen: string[] = [];
    es.onmessage = (e) => seen.push(`handler ${e.data}`);
    es.addEventListener('custom', (e) => seen.push(`custom ${(e as MessageEvent).data}`));
    expect(es.dispatchEvent(new MessageEvent('message', { data: 'simulated' }))).toBe(true);
    es.dispatchEvent(new MessageEvent('custom', { data: 'x' }));
    expect(seen).toEqual(['handler simulated', 'custom x']);
    es.close();
  });

  it('close() from a listener drops the rest of the chunk', async () => {
    server = await startSSEServer((_req, res) => {
      sseHead(res);
      res.write(frame({ data: '1' }) + frame({ data: '2' }) + frame({ data: '3' }));
    });
    es = new EventSource(server.url('/e'));
    const seen: string[] = [];
    es.onmessage = (e) => {
      seen.push(e.data);
      es!.close();
    };
    await until(() => seen.length > 0, 3000, 'first');
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual(['1']);
    expect(es.readyState).toBe(EventSource.CLOSED);
  });

  it('only an unparsable URL throws; other futile URLs fail the connection (error, CLOSED)', async () => {
    for (const url of ['ftp://127.0.0.1/x', 'about:blank', 'mailto:a@b.c', 'javascript:void 0']) {
      const source = new EventSource(url);
      expect(source.readyState).toBe(EventSource.CONNECTING);
      const errors: Event[] = [];
      source.onerror = (e) => errors.push(e);
      await until(() => errors.length === 1, 3000, `error for ${url}`);
      expect(source.readyState).toBe(EventSource.CLOSED);
      expect((errors[0] as Event & { error?: Error }).error).toMatchObject({ code: 'invalid-url' });
    }
  });

  it('sends Accept, Cache-Control: no-cache and a UTF-8 Last-Event-ID', async () => {
    server = await startSSEServer((req, res) => {
      sseHead(res);
      if (!req.headers['last-event-id']) res.write(frame({ retry: 1, id: 'é-42…', data: 'x' }));
    });
    es = new EventSource(server.url('/e'));
    await until(() => server!.requests.length === 1, 3000, 'first request');
    await new Promise((r) => setTimeout(r, 50));
    server.dropAll();
    await until(() => server!.requests.length === 2, 5000, 'reconnect');
    const [first, second] = server.requests;
    expect(first!.headers).toMatchObject({
      accept: 'text/event-stream',
      'cache-control': 'no-cache',
    });
    const raw = second!.rawHeaders;
    const value = raw[raw.findIndex((h) => h.toLowerCase() === 'last-event-id') + 1]!;
    expect(Buffer.from(value, 'latin1').toString('hex')).toBe(Buffer.from('é-42…').toString('hex'));
  });

  it('dedupes listeners, supports once, handleEvent objects, removal and AbortSignal', async () => {
    server = await startSSEServer((_req, res) => {
      sseHead(res);
      for (let i = 1; i <= 3; i++) res.write(frame({ data: String(i) }));
    });
    es = new EventSource(server.url('/e'));
    const seen: string[] = [];
    const fn = (e: MessageEvent) => seen.push(`fn${e.data}`);
    es.addEventListener('message', fn);
    es.addEventListener('message', fn);
    es.addEventListener('message', (e: MessageEvent) => seen.push(`once${e.data}`), {
      once: true,
    });
    es.addEventListener('message', {
      handleEvent: (e: MessageEvent) => seen.push(`obj${e.data}`),
    });
    const ac = new AbortController();
    es.addEventListener(
      'message',
      (e: MessageEvent) => {
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
      const errors: Event[] = [];
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
