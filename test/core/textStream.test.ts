import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import {
  CATCH_UP_FRAMES,
  TextStream,
  revealCount,
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

function setup(options: TextStreamOptions = {}, reducedMotion = false) {
  const clock = manualFrames();
  const double = fetchDouble();
  const stream = new TextStream({ frames: clock.frames, reducedMotion: () => reducedMotion });
  const published: TextStreamSnapshot[] = [];
  stream.subscribe(() => published.push(stream.getSnapshot()));
  stream.start('http://test.local/chat', { fetch: double.fetch, ...options });
  const call = async () => {
    await until(() => double.calls.length > 0, 2000, 'the request');
    return double.calls[double.calls.length - 1]!;
  };
  return { stream, clock, double, published, call };
}

/** Lets the fetch double's queued chunks reach the parser. */
const settle = () => new Promise((r) => setTimeout(r, 5));

const message = (data: string): SSEMessage => ({
  type: 'message',
  data,
  lastEventId: '',
  origin: '',
});

describe('revealCount', () => {
  it('reveals at least the pace, and a share of a large backlog', () => {
    expect(revealCount(0, 3)).toBe(0);
    expect(revealCount(2, 3)).toBe(2);
    expect(revealCount(10, 3)).toBe(3);
    expect(revealCount(600, 3)).toBe(600 / CATCH_UP_FRAMES);
    expect(revealCount(5, 0)).toBe(1);
  });

  it('catches up: a large burst is revealed within a few dozen frames', () => {
    let backlog = 40_000;
    let frames = 0;
    while (backlog > 0) {
      backlog -= revealCount(backlog, 3);
      frames++;
    }
    expect(frames).toBeLessThan(80);
  });
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
    expect(stream.getSnapshot()).toEqual({ text: 'Hello, world', status: 'done', error: null });
    expect(c.cancelled).toBe(true);
  });

  it('reveals a burst over several frames, one publish per frame, and catches up', async () => {
    const { stream, clock, call, published } = setup({ pace: 2 });
    const c = await call();
    const tokens = Array.from({ length: 150 }, (_, i) => `w${i % 10}`); // 300 characters
    c.push(tokens.map(chunk).join(''));
    await settle();
    const before = published.length;
    expect(stream.getSnapshot().text).toBe(''); // nothing shown before a frame
    const lengths: number[] = [];
    while (clock.pending() > 0) {
      clock.frame();
      lengths.push(stream.getSnapshot().text.length);
      expect(lengths.length).toBeLessThan(100);
    }
    expect(published.length - before).toBe(lengths.length); // exactly one publish per frame
    expect(lengths[0]).toBe(300 / CATCH_UP_FRAMES); // a large backlog goes fast first
    const steps = lengths.map((n, i) => n - (lengths[i - 1] ?? 0));
    for (const step of steps.slice(0, -1)) expect(step).toBeGreaterThanOrEqual(2);
    expect(steps.slice(-3, -1)).toEqual([2, 2]); // and gently at the end
    expect(stream.getSnapshot().text).toBe(tokens.join(''));
    expect(stream.getSnapshot().status).toBe('streaming');
  });

  it('publishes nothing between frames however many chunks arrive', async () => {
    const { stream, clock, call, published } = setup();
    const c = await call();
    for (let i = 0; i < 50; i++) c.push(chunk('x'));
    await settle();
    const before = published.length;
    for (let i = 0; i < 50; i++) c.push(chunk('y'));
    await settle();
    expect(published.length).toBe(before);
    clock.frame();
    expect(published.length).toBe(before + 1);
    expect(stream.getSnapshot().text.length).toBeGreaterThan(0);
  });

  it('with pace false or reduced motion, shows everything received at the next frame', async () => {
    for (const [options, reduced] of [
      [{ pace: false }, false],
      [{ pace: 1 }, true],
    ] as const) {
      const { stream, clock, call } = setup(options, reduced);
      const c = await call();
      c.push(chunk('a'.repeat(500)) + chunk('b'.repeat(500)));
      await settle();
      expect(stream.getSnapshot().text).toBe('');
      clock.frame();
      expect(stream.getSnapshot().text).toBe('a'.repeat(500) + 'b'.repeat(500));
      expect(clock.pending()).toBe(0);
      stream.reset();
    }
  });

  it('stop aborts the request, keeps all text received, and ignores later data', async () => {
    const finished: TextStreamSnapshot[] = [];
    const { stream, clock, call } = setup({ pace: 1, onFinish: (s) => finished.push(s) });
    const c = await call();
    c.push(chunk('one ') + chunk('two '));
    await settle();
    clock.frame();
    expect(stream.getSnapshot().text).toBe('on'); // 8 behind: ceil(8 / 6) = 2
    stream.stop();
    expect(stream.getSnapshot()).toEqual({ text: 'one two ', status: 'stopped', error: null });
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
    expect(stream.getSnapshot().text).toBe('old');
    stream.start('http://test.local/chat', { fetch: double.fetch, pace: false, body: 'second' });
    expect(first.init.signal?.aborted).toBe(true);
    expect(stream.getSnapshot()).toEqual({ text: '', status: 'streaming', error: null });
    const second = await call();
    expect(second.init.body).toBe('second');
    first.push(chunk('stale'));
    second.push(chunk('new'));
    await settle();
    clock.frame();
    expect(stream.getSnapshot().text).toBe('new');
    stream.reset();
    expect(stream.getSnapshot()).toEqual({ text: '', status: 'idle', error: null });
    expect(second.init.signal?.aborted).toBe(true);
  });

  it('never splits a surrogate pair', async () => {
    const { stream, clock, call } = setup({ pace: 1 });
    const c = await call();
    c.push(chunk('😀a😀b😀'));
    await settle();
    while (clock.pending() > 0) {
      clock.frame();
      const text = stream.getSnapshot().text;
      const last = text.charCodeAt(text.length - 1);
      expect(last >= 0xd800 && last <= 0xdbff).toBe(false);
    }
    expect(stream.getSnapshot().text).toBe('😀a😀b😀');
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
