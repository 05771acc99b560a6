import { afterEach, expect, it } from 'vitest';
import { EventSource } from 'sse-hooks/core';
import { hex, newKey, seen, until } from './harness';

// The library's EventSource class in Chromium, next to the browser's own.

let sources: Array<{ close(): void }> = [];
afterEach(() => {
  sources.forEach((s) => s.close());
  sources = [];
});
const open = (url: string) => {
  const es = new EventSource(url);
  sources.push(es);
  return es;
};

it('is an EventTarget dispatching MessageEvents, and takes a dispatched MessageEvent', async () => {
  const es = open(`/sse/named?k=${newKey('es-target')}`);
  expect(es).toBeInstanceOf(EventTarget);
  const alerts: MessageEvent[] = [];
  es.addEventListener('alert', (e) => alerts.push(e));
  await until(() => alerts.length > 0, 5000, 'an alert');
  expect(alerts[0]).toBeInstanceOf(MessageEvent);
  expect(alerts[0]).toMatchObject({ type: 'alert', lastEventId: '1', origin: location.origin });
  expect(alerts[0]!.target).toBe(es);
  // As the control panel of the documents simulates events:
  const simulated: string[] = [];
  es.onmessage = (e) => simulated.push(e.data);
  es.dispatchEvent(new MessageEvent('message', { data: 'simulated' }));
  expect(simulated).toEqual(['simulated']);
});

it('close() from a listener drops the rest of the chunk', async () => {
  const es = open(`/sse/burst?k=${newKey('es-close')}`);
  const seenIds: string[] = [];
  es.onmessage = (e) => {
    seenIds.push(e.lastEventId);
    es.close();
  };
  await until(() => seenIds.length > 0, 5000, 'first event');
  await new Promise((r) => setTimeout(r, 800));
  expect(seenIds).toEqual(['1']);
  expect(es.readyState).toBe(EventSource.CLOSED);
});

it('futile URLs fail the connection (error event, CLOSED); an unparsable one throws', async () => {
  expect(() => new EventSource('http://[::1')).toThrow(
    expect.objectContaining({ name: 'SyntaxError' }),
  );
  for (const url of ['ftp://127.0.0.1/x', 'mailto:a@b.c', 'javascript:void 0', 'about:blank']) {
    const es = open(url);
    let errors = 0;
    es.onerror = () => errors++;
    await until(() => errors === 1, 5000, `error for ${url}`);
    expect(es.readyState).toBe(EventSource.CLOSED);
  }
});

it('resumes like the browser’s own: same requests, same Last-Event-ID bytes', async () => {
  const ours = newKey('es-ours');
  const theirs = newKey('es-native');
  const a = open(`/sse/event-close?k=${ours}`);
  const b = new window.EventSource(`/sse/event-close?k=${theirs}`);
  sources.push(b);
  const got: string[][] = [[], []];
  a.onmessage = (e) => got[0]!.push(e.lastEventId);
  b.onmessage = (e) => got[1]!.push(e.lastEventId);
  await until(() => got[0]!.length >= 3 && got[1]!.length >= 3, 10_000, 'three events each');
  expect(got[0]!.slice(0, 3)).toEqual(['1', '2', '3']);
  expect(got[1]!.slice(0, 3)).toEqual(['1', '2', '3']);
  const bytes = async (k: string) => (await seen(k)).slice(0, 3).map((r) => r.lastEventIdHex);
  expect(await bytes(ours)).toEqual(await bytes(theirs));
  expect(await bytes(ours)).toEqual([null, hex('1'), hex('2')]);
  const cache = (await seen(ours)).map((r) => [r.accept, r.cacheControl]);
  expect(cache[0]).toEqual(['text/event-stream', 'no-cache']);
});
