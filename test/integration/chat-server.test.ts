import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createDemoApp, type DemoApp, type DemoAppOptions } from '../../demo/server/app';
import { answerFor, tokenize } from '../../demo/server/chat';
import { createParser } from '../../src/core/parse.js';

// The chat server's replies: resumable with GET /api/chat/stream and Last-Event-ID.

const running: { app: DemoApp; server: http.Server }[] = [];

afterEach(async () => {
  for (const { app, server } of running.splice(0)) {
    await app.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

async function start(options: DemoAppOptions = {}) {
  const app = createDemoApp({ tickMs: 0, heartbeatMs: 0, ...options });
  const server = http.createServer((req, res) => {
    if (!app.handle(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  running.push({ app, server });
  return { app, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, what: string, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

interface Event {
  id: string;
  data: string;
}

/** Opens a stream and collects its events until it ends or `close()` is called. */
async function open(url: string, init: RequestInit) {
  const controller = new AbortController();
  const response = await fetch(url, { ...init, signal: controller.signal });
  const events: Event[] = [];
  const state = { ended: false };
  const parser = createParser({ onEvent: (e) => events.push({ id: e.lastEventId, data: e.data }) });
  if (response.ok && response.body) {
    void (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          parser.feed(decoder.decode(chunk, { stream: true }));
        }
      } catch {
        // aborted
      }
      state.ended = true;
    })();
  }
  return { response, events, state, close: () => controller.abort() };
}

const auth = { Authorization: 'Bearer demo-token' };
const tokensOf = (events: Event[]) =>
  events
    .filter((e) => e.data !== '[DONE]')
    .map(
      (e) =>
        (JSON.parse(e.data) as { choices: { delta: { content: string } }[] }).choices[0]!.delta
          .content,
    );

describe('GET /api/chat/stream', () => {
  const messages = [{ role: 'user', content: 'How does reconnecting work?' }];

  it('continues a reply after its Last-Event-ID: nothing repeated, nothing lost, no second prompt', async () => {
    const { app, base } = await start({ chatDelayMs: 5, chatBurst: 2 });
    const first = await open(`${base}/api/chat`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ messages }),
    });
    await until(() => first.events.length >= 8, 'eight tokens');
    first.close();
    await until(() => app.stats().chat.active === 0, 'the abort');
    // The client kept only what it had handled: the first five events, say.
    const kept = first.events.slice(0, 5);
    const paused = app.stats().chat.tokensSent;
    await sleep(50);
    expect(app.stats().chat.tokensSent).toBe(paused); // nobody reads: the reply waits

    const rest = await open(`${base}/api/chat/stream`, {
      headers: { ...auth, 'Last-Event-ID': kept.at(-1)!.id },
    });
    expect(rest.response.status).toBe(200);
    expect(rest.response.headers.get('content-type')).toBe('text/event-stream');
    await until(() => rest.state.ended, 'the end of the reply');
    expect(rest.events.at(-1)!.data).toBe('[DONE]');
    expect(rest.events[0]!.id).toBe(kept.at(-1)!.id.replace(/\.5$/, '.6'));
    expect([...tokensOf(kept), ...tokensOf(rest.events)].join('')).toBe(answerFor(messages).text);
    expect(app.stats().chat).toMatchObject({ requests: 1, resumed: 1, completed: 1 });
  });

  it('a second reader takes the reply over (a reload racing the old request)', async () => {
    const { app, base } = await start({ chatDelayMs: 5, chatBurst: 1 });
    const first = await open(`${base}/api/chat`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ messages }),
    });
    await until(() => first.events.length >= 3, 'three tokens');
    const second = await open(`${base}/api/chat/stream`, {
      headers: { ...auth, 'Last-Event-ID': first.events[2]!.id },
    });
    await until(() => first.state.ended, 'the first stream to be ended');
    await until(() => second.state.ended, 'the end of the reply', 10_000);
    expect([...tokensOf(first.events.slice(0, 3)), ...tokensOf(second.events)].join('')).toBe(
      answerFor(messages).text,
    );
    expect(app.stats().chat.completed).toBe(1);
  });

  it('a reply that already finished replays its tail and [DONE]', async () => {
    const { base } = await start({ chatDelayMs: 0, chatBurst: 3 });
    const whole = await open(`${base}/api/chat`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ messages }),
    });
    await until(() => whole.state.ended, 'the whole reply');
    const last = whole.events.at(-3)!;
    const tail = await open(`${base}/api/chat/stream`, {
      headers: { ...auth, 'Last-Event-ID': last.id },
    });
    await until(() => tail.state.ended, 'the tail');
    expect(tail.events).toEqual(whole.events.slice(-2));
    // The same through the query parameter a cross-origin client sends in place of the header.
    const viaQuery = await open(
      `${base}/api/chat/stream?lastEventId=${encodeURIComponent(last.id)}`,
      { headers: auth },
    );
    await until(() => viaQuery.state.ended, 'the tail, asked through the query');
    expect(viaQuery.events).toEqual(whole.events.slice(-2));
  });

  it('answers 404 for an id it does not hold, 401 without the token', async () => {
    const { app, base } = await start();
    for (const id of ['', 'nope', '0123456789abcdef.3', '42']) {
      const res = await fetch(`${base}/api/chat/stream`, {
        headers: { ...auth, ...(id ? { 'Last-Event-ID': id } : {}) },
      });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: expect.any(String) });
    }
    expect(app.stats().chat.resumeMissed).toBe(4);
    const res = await fetch(`${base}/api/chat/stream`, { headers: { 'Last-Event-ID': 'x' } });
    expect(res.status).toBe(401);
    expect(app.stats().chat).toMatchObject({ requests: 0, resumed: 0 });
  });
});

describe('the unicode answer', () => {
  it('is cut inside characters, as a byte-level tokenizer does, and joins back exactly', () => {
    const { topic, text } = answerFor([{ role: 'user', content: '请用中文和 emoji 回答' }]);
    expect(topic).toBe('unicode');
    const tokens = tokenize(text);
    expect(tokens.join('')).toBe(text);
    const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
    expect(tokens.some((t) => isHigh(t.charCodeAt(t.length - 1)))).toBe(true); // a split pair
    expect(tokens.some((t) => t.endsWith('\u200d'))).toBe(true); // a split family
    const segments = new Set([...new Intl.Segmenter().segment(text)].map((s) => s.index));
    let end = 0;
    let inside = 0;
    for (const t of tokens) {
      end += t.length;
      if (!segments.has(end) && end < text.length) inside++;
    }
    expect(inside).toBeGreaterThan(10);
  });
});
