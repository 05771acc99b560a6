import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import {
  TextStream,
  selectToken,
  type FrameScheduler,
  type TextStreamOptions,
  type TextStreamSnapshot,
} from '../../src/core/textStream.js';
import type { SSEMessage } from '../../src/core/types.js';
import { useStreamText } from '../../src/react/useStreamText.js';
import { until } from '../helpers/sseServer.js';

/** Frames that run only when the test says so. */
function manualFrames() {
  const queue = new Map<number, () => void>();
  let next = 1;
  const frames: FrameScheduler = {
    request(callback) {
      const id = next++;
      queue.set(id, callback);
      return id;
    },
    cancel(handle) {
      queue.delete(handle as number);
    },
  };
  return {
    frames,
    pending: () => queue.size,
    /** Runs the callbacks queued before this call, as a browser frame does. */
    frame() {
      const due = [...queue.values()];
      queue.clear();
      for (const callback of due) callback();
    },
  };
}

interface Call {
  url: string;
  init: RequestInit;
  push(text: string): void;
  end(): void;
  fail(): void;
  cancelled: boolean;
}

/** A fetch double whose response bodies the test writes to. */
function fetchDouble(respond: (call: Call) => Response | undefined = () => undefined) {
  const calls: Call[] = [];
  const fetchFn = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const encoder = new TextEncoder();
    const call: Call = {
      url: String(input),
      init,
      // Writes after the reader cancelled are dropped, as a server's would be.
      push: (text) => void (call.cancelled || controller.enqueue(encoder.encode(text))),
      end: () => void (call.cancelled || controller.close()),
      fail: () => void (call.cancelled || controller.error(new TypeError('terminated'))),
      cancelled: false,
    };
    calls.push(call);
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
      },
      cancel() {
        call.cancelled = true;
      },
    });
    return (
      respond(call) ?? new Response(body, { headers: { 'Content-Type': 'text/event-stream' } })
    );
  }) as typeof fetch;
  return { fetch: fetchFn, calls };
}

const chunk = (content: string) =>
  `data: ${JSON.stringify({ choices: [{ delta: { content } }] })}\n\n`;

/** A stored-reply area, as sessionStorage. */
function memoryStorage() {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
  };
}

function setup(
  options: TextStreamOptions = {},
  reducedMotion = false,
  storage: ReturnType<typeof memoryStorage> | null = null,
) {
  const clock = manualFrames();
  const double = fetchDouble();
  const time = { now: 0 };
  const stream = new TextStream({
    frames: clock.frames,
    reducedMotion: () => reducedMotion,
    now: () => time.now,
    storage,
  });
  const published: TextStreamSnapshot[] = [];
  stream.subscribe(() => published.push(stream.getSnapshot()));
  stream.start('http://test.local/chat', { fetch: double.fetch, ...options });
  const call = async () => {
    await until(() => double.calls.length > 0, 2000, 'the request');
    return double.calls[double.calls.length - 1]!;
  };
  return { stream, clock, double, published, call, time };
}

/** Lets the fetch double's queued chunks reach the parser. */
const settle = () => new Promise((r) => setTimeout(r, 5));

const message = (data: string): SSEMessage => ({
  type: 'message',
  data,
  lastEventId: '',
  origin: '',
});

describe('selectToken', () => {
  it('reads OpenAI chat and completion chunks', () => {
    expect(selectToken(message('{"choices":[{"delta":{"content":"Hi"}}]}'))).toBe('Hi');
    expect(selectToken(message('{"choices":[{"delta":{"role":"assistant"}}]}'))).toBeUndefined();
    expect(selectToken(message('{"choices":[{"delta":{"content":null}}]}'))).toBeUndefined();
    expect(selectToken(message('{"choices":[{"text":" there"}]}'))).toBe(' there');
    expect(selectToken(message('{"choices":[],"usage":{"total_tokens":3}}'))).toBeUndefined();
  });

  it('reads delta text shapes, JSON strings, and plain data', () => {
    expect(selectToken(message('{"type":"content_block_delta","delta":{"text":"a"}}'))).toBe('a');
    expect(selectToken(message('{"type":"response.output_text.delta","delta":"b"}'))).toBe('b');
    expect(selectToken(message('"quoted"'))).toBe('quoted');
    expect(selectToken(message('plain words'))).toBe('plain words');
    expect(selectToken(message('{not json'))).toBe('{not json');
    expect(selectToken(message('{"other":1}'))).toBeUndefined();
  });
});

describe('TextStream', () => {
  it('POSTs the JSON body with the headers and collects tokens until [DONE]', async () => {
    const { stream, call } = setup({
      headers: async () => ({ Authorization: 'Bearer t0k' }),
      body: { prompt: 'hello' },
    });
    expect(stream.getSnapshot().status).toBe('streaming');
    const c = await call();
    expect(c.init.method).toBe('POST');
    expect(c.init.body).toBe('{"prompt":"hello"}');
    const headers = c.init.headers as Record<string, string>;
    expect(headers.Authorization).toBe('Bearer t0k');
    expect(headers['Content-Type']).toBe('application/json');

    c.push(chunk('Hello') + chunk(', ') + chunk('world') + 'data: [DONE]\n\n' + chunk('late'));
    await until(() => stream.getSnapshot().status !== 'streaming', 2000, 'the end');
    expect(stream.getSnapshot()).toEqual({
      text: 'Hello, world',
      blocks: ['Hello, world'],
      status: 'done',
      error: null,
    });
    expect(c.cancelled).toBe(true);
  });

  it('follows the arrival rate: one token every 100 ms is typed over the 100 ms, a word at a time', async () => {
    const { stream, clock, call, published, time } = setup();
    const c = await call();
    const words = Array.from({ length: 30 }, (_, i) => ` word${i} and more`);
    const seen: { at: number; text: string }[] = [];
    for (const [i, word] of words.entries()) {
      time.now = i * 100;
      c.push(chunk(word));
      await settle();
      // Frames every 16 ms until the next arrival.
      for (let t = time.now; t < (i + 1) * 100; t += 16) {
        time.now = t;
        const before = published.length;
        clock.frame();
        expect(published.length - before).toBeLessThanOrEqual(1); // one publish per frame
        seen.push({ at: t, text: stream.getSnapshot().text });
      }
    }
    const received = words.join('');
    for (const { text } of seen) {
      expect(received.startsWith(text)).toBe(true);
      // Never inside a word: what follows the shown text starts a new word or is a space.
      const next = received[text.length];
      const last = text[text.length - 1];
      if (text !== '' && next !== undefined)
        expect(/\w/.test(last!) && /\w/.test(next)).toBe(false);
    }
    // Steady: after the gap is learnt, every 100 ms interval shows several intermediate texts.
    const late = seen.filter((s) => s.at >= 1000);
    const distinct = new Set(late.map((s) => s.text));
    expect(distinct.size).toBeGreaterThan((late.length / 6) * 2);
    // Never more than 400 ms behind: everything that arrived by t - 400 is shown at t.
    for (const { at, text } of seen) {
      const arrived = words.slice(0, Math.max(0, Math.floor((at - 400) / 100) + 1)).join('');
      expect(text.length).toBeGreaterThanOrEqual(arrived.length - 1);
    }
    expect(stream.getSnapshot().status).toBe('streaming');
  });

  it('publishes nothing between frames however many chunks arrive', async () => {
    const { stream, clock, call, published } = setup();
    const c = await call();
    for (let i = 0; i < 50; i++) c.push(chunk(' x'));
    await settle();
    const before = published.length;
    for (let i = 0; i < 50; i++) c.push(chunk(' y'));
    await settle();
    expect(published.length).toBe(before);
    clock.frame();
    expect(published.length).toBe(before + 1);
    expect(stream.getSnapshot().text.length).toBeGreaterThan(0);
  });

  it('with pace false or reduced motion, shows everything received at the next frame', async () => {
    for (const [options, reduced] of [
      [{ pace: false }, false],
      [{ pace: true }, true],
    ] as const) {
      const { stream, clock, call } = setup(options, reduced);
      const c = await call();
      c.push(chunk('a'.repeat(500)) + chunk('b'.repeat(500)));
      await settle();
      expect(stream.getSnapshot().text).toBe('');
      clock.frame();
      // All but the last character, which an accent could still extend.
      expect(stream.getSnapshot().text).toBe('a'.repeat(500) + 'b'.repeat(499));
      expect(clock.pending()).toBe(0);
      stream.reset();
    }
  });

  it('stop aborts the request, keeps all text received, and ignores later data', async () => {
    const finished: TextStreamSnapshot[] = [];
    const { stream, clock, call } = setup({ onFinish: (s) => finished.push(s) });
    const c = await call();
    c.push(chunk('one ') + chunk('two '));
    await settle();
    clock.frame();
    expect(stream.getSnapshot().text).toBe('one two'); // the last character is held
    stream.stop();
    expect(stream.getSnapshot()).toEqual({
      text: 'one two ',
      blocks: ['one two '],
      status: 'stopped',
      error: null,
    });
    expect(c.init.signal?.aborted).toBe(true);
    expect(clock.pending()).toBe(0);
    expect(finished).toEqual([stream.getSnapshot()]);
    stream.stop(); // no-op once stopped
    expect(finished).toHaveLength(1);
  });

  it('a clean end of the stream without the sentinel is done', async () => {
    const { stream, call } = setup();
    const c = await call();
    c.push(chunk('only'));
    c.end();
    await until(() => stream.getSnapshot().status === 'done', 2000, 'done');
    expect(stream.getSnapshot().text).toBe('only');
  });

  it('a broken stream is an error that keeps the text, and is not requested again', async () => {
    const { stream, call, double } = setup({ resume: true });
    const c = await call();
    c.push(chunk('partial'));
    await settle();
    c.fail();
    await until(() => stream.getSnapshot().status === 'error', 2000, 'error');
    const { text, error } = stream.getSnapshot();
    expect(text).toBe('partial');
    expect(error?.type).toBe('network');
    expect(error?.willRetry).toBe(false); // resume needs ids to resume from
    await new Promise((r) => setTimeout(r, 100));
    expect(double.calls).toHaveLength(1);
  });

  it('HTTP errors are reported with their status and never retried', async () => {
    const clock = manualFrames();
    const double = fetchDouble(() => new Response('no', { status: 503 }));
    const stream = new TextStream({ frames: clock.frames });
    stream.start('http://test.local/chat', { fetch: double.fetch, resume: true });
    await until(() => stream.getSnapshot().status === 'error', 2000, 'error');
    expect(stream.getSnapshot().error).toMatchObject({ type: 'http', status: 503 });
    await new Promise((r) => setTimeout(r, 100));
    expect(double.calls).toHaveLength(1);
  });

  it('supports a custom select and sentinel, or none', async () => {
    const { stream, call } = setup({
      select: (m) => (m.type === 'token' ? m.data : undefined),
      done: 'END',
    });
    const c = await call();
    c.push(
      'event: token\ndata: a\n\nevent: meta\ndata: x\n\nevent: token\ndata: b\n\ndata: END\n\n',
    );
    await until(() => stream.getSnapshot().status === 'done', 2000, 'done');
    expect(stream.getSnapshot().text).toBe('ab');

    const second = setup({ done: false });
    const c2 = await second.call();
    c2.push('data: [DONE]\n\n');
    c2.end();
    await until(() => second.stream.getSnapshot().status === 'done', 2000, 'done');
    expect(second.stream.getSnapshot().text).toBe('[DONE]');
  });

  it('a throwing select ends the generation with a parse error', async () => {
    const { stream, call } = setup({
      select: () => {
        throw new Error('bad chunk');
      },
    });
    const c = await call();
    c.push(chunk('x'));
    await until(() => stream.getSnapshot().status === 'error', 2000, 'error');
    expect(stream.getSnapshot().error).toMatchObject({ type: 'parse', code: 'select' });
    expect(c.cancelled).toBe(true);
  });

  it('start aborts the running generation and starts clean; reset goes back to idle', async () => {
    const { stream, clock, call, double } = setup({ pace: false });
    const first = await call();
    first.push(chunk('old'));
    await settle();
    clock.frame();
    expect(stream.getSnapshot().text).toBe('ol');
    stream.start('http://test.local/chat', { fetch: double.fetch, pace: false, body: 'second' });
    expect(first.init.signal?.aborted).toBe(true);
    expect(stream.getSnapshot()).toEqual({
      text: '',
      blocks: [],
      status: 'streaming',
      error: null,
    });
    const second = await call();
    expect(second.init.body).toBe('second');
    first.push(chunk('stale'));
    second.push(chunk('new'));
    await settle();
    clock.frame();
    expect(stream.getSnapshot().text).toBe('ne');
    stream.reset();
    expect(stream.getSnapshot()).toEqual({ text: '', blocks: [], status: 'idle', error: null });
    expect(second.init.signal?.aborted).toBe(true);
  });

  it('never shows a character cut in two, whatever the tokens split', async () => {
    const { stream, clock, call, time } = setup();
    const c = await call();
    // A family split at its joiners, a flag split in two, a skin tone and an accent apart from
    // their base, a surrogate pair split across tokens.
    const tokens = [
      'Hi 👨',
      '\u200d👩',
      '\u200d👧 🇫',
      '🇷 👍',
      '🏽 cafe',
      '\u0301 ',
      '\ud83d',
      '\ude00 你好',
    ];
    const text = tokens.join('');
    const boundaries = new Set([0, ...[...new Intl.Segmenter().segment(text)].map((s) => s.index)]);
    for (const [i, token] of tokens.entries()) {
      time.now = i * 40;
      c.push(chunk(token));
      await settle();
      for (let k = 0; k < 3; k++) {
        time.now += 13;
        clock.frame();
        const shown = stream.getSnapshot().text;
        expect(text.startsWith(shown)).toBe(true);
        expect(boundaries.has(shown.length)).toBe(true);
      }
    }
    c.push('data: [DONE]\n\n');
    await until(() => stream.getSnapshot().status === 'done', 2000, 'done');
    expect(stream.getSnapshot().text).toBe(text);
  });

  it('with resumeKey, keeps the reply while it streams and forgets it when it ends', async () => {
    const storage = memoryStorage();
    const { stream, call, time } = setup(
      { resumeKey: 'chat', resumeUrl: 'http://test.local/resume' },
      false,
      storage,
    );
    const c = await call();
    c.push('id: r1.1\n' + chunk('Hello') + 'id: r1.2\n' + chunk(' there'));
    await settle();
    const stored = JSON.parse(storage.items.get('sse-hooks:reply:chat')!);
    expect(stored).toMatchObject({ url: 'http://test.local/resume', id: 'r1.1', text: 'Hello' });
    time.now = 1000; // saves are spaced
    c.push(chunk(' and')); // no id: not in the checkpoint, it would be replayed after r1.2
    c.push('id: r1.3\n' + chunk(' you'));
    await settle();
    expect(JSON.parse(storage.items.get('sse-hooks:reply:chat')!)).toMatchObject({
      id: 'r1.3',
      text: 'Hello there and you',
    });
    // A page that hides saves the latest checkpoint at once.
    c.push('id: r1.4\n' + chunk('!'));
    await settle();
    stream.suspend();
    expect(JSON.parse(storage.items.get('sse-hooks:reply:chat')!)).toMatchObject({
      id: 'r1.4',
      text: 'Hello there and you!',
    });
    expect(c.init.signal?.aborted).toBe(true);
    stream.stop();
    expect(storage.items.size).toBe(0);
  });

  it('resumeStored shows the stored text at once and GETs the rest after Last-Event-ID', async () => {
    const storage = memoryStorage();
    storage.setItem(
      'sse-hooks:reply:chat',
      JSON.stringify({
        url: 'http://test.local/resume',
        id: 'r1.2',
        text: 'Hello there',
        at: Date.now(),
      }),
    );
    const clock = manualFrames();
    const double = fetchDouble();
    const stream = new TextStream({ frames: clock.frames, storage, now: () => 0 });
    const texts: string[] = [];
    stream.subscribe(() => texts.push(stream.getSnapshot().text));
    expect(
      stream.resumeStored({
        resumeKey: 'chat',
        fetch: double.fetch,
        headers: { Authorization: 'Bearer t' },
      }),
    ).toBe(true);
    expect(stream.getSnapshot()).toMatchObject({ text: 'Hello there', status: 'streaming' });
    await until(() => double.calls.length === 1, 2000, 'the resume request');
    const c = double.calls[0]!;
    expect(c.url).toBe('http://test.local/resume');
    expect(c.init.method).toBe('GET');
    expect(c.init.body ?? null).toBeNull();
    const headers = c.init.headers as Record<string, string>;
    expect(headers['Last-Event-ID']).toBe('r1.2');
    expect(headers.Authorization).toBe('Bearer t');
    c.push('id: r1.3\n' + chunk(' friend') + 'data: [DONE]\n\n');
    await until(() => stream.getSnapshot().status === 'done', 2000, 'done');
    expect(stream.getSnapshot().text).toBe('Hello there friend');
    // The stored text was never typed again: no shorter text was ever published.
    expect(texts.every((t) => t.startsWith('Hello there'))).toBe(true);
    expect(storage.items.size).toBe(0);
    expect(stream.resumeStored({ resumeKey: 'chat', fetch: double.fetch })).toBe(false);
  });

  it('resumeStored ignores missing, broken and stale records', () => {
    const storage = memoryStorage();
    const stream = new TextStream({ frames: manualFrames().frames, storage });
    expect(stream.resumeStored({ resumeKey: 'chat' })).toBe(false);
    storage.setItem('sse-hooks:reply:chat', '{not json');
    expect(stream.resumeStored({ resumeKey: 'chat' })).toBe(false);
    storage.setItem(
      'sse-hooks:reply:chat',
      JSON.stringify({ url: '/x', id: 'a', text: 't', at: Date.now() - 3_600_000 }),
    );
    expect(stream.resumeStored({ resumeKey: 'chat' })).toBe(false);
    expect(storage.items.size).toBe(0);
    expect(stream.getSnapshot().status).toBe('idle');
  });

  it('a reply that can no longer be resumed is an error that keeps the stored text', async () => {
    const storage = memoryStorage();
    storage.setItem(
      'sse-hooks:reply:chat',
      JSON.stringify({
        url: 'http://test.local/resume',
        id: 'gone.3',
        text: 'Partial',
        at: Date.now(),
      }),
    );
    const double = fetchDouble(() => new Response('{"error":"no such reply"}', { status: 404 }));
    const stream = new TextStream({ frames: manualFrames().frames, storage });
    stream.resumeStored({ resumeKey: 'chat', fetch: double.fetch, resume: true });
    await until(() => stream.getSnapshot().status === 'error', 2000, 'error');
    expect(stream.getSnapshot()).toMatchObject({ text: 'Partial', error: { status: 404 } });
    expect(double.calls).toHaveLength(1);
    expect(storage.items.size).toBe(0);
  });
});

describe('useStreamText on the server', () => {
  it('renders idle without browser globals and sends nothing', () => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
    let calls = 0;
    const fetchSpy = (() => {
      calls++;
      throw new Error('no request during render');
    }) as unknown as typeof fetch;
    function Chat() {
      const { text, status, error } = useStreamText('/api/chat', { fetch: fetchSpy });
      return createElement('p', null, `${status}|${text}|${error === null}`);
    }
    expect(renderToString(createElement(Chat))).toBe('<p>idle||true</p>');
    expect(calls).toBe(0);
  });
});
