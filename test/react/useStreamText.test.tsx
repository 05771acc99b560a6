// @vitest-environment jsdom
import { StrictMode, useEffect } from 'react';
import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useStreamText, type UseStreamTextOptions, type UseStreamTextResult } from 'sse-hooks/chat';
import {
  advanceTime,
  createTestServer,
  flushFrames,
  formatEvent,
  FRAME_MS,
  type TestConnection,
  type TestServer,
} from 'sse-hooks/testing';
import { failOnConsoleError } from './harness.js';

// The chat hook against the kit's in-process server, on fake timers: the frames, the reveal's
// clock (performance.now) and reconnect delays all move only when the test moves them, so every
// arrival time is exact and no test waits on the wall clock.

failOnConsoleError();
let server: TestServer;
beforeEach(() => {
  vi.useFakeTimers();
  server = createTestServer();
});

/** An OpenAI-style chunk carrying one token. */
const delta = (content: string) => ({ choices: [{ delta: { content } }] });
const DONE = { data: '[DONE]' };

/**
 * Sends `tokens` one event each (ids `first + 1`, `first + 2`...), `gap` ms of fake time apart,
 * each gap its own step of the clock: what one read brings is committed in its own step.
 */
async function drip(stream: TestConnection, tokens: readonly string[], gap: number, first = 0) {
  for (const [i, token] of tokens.entries()) {
    stream.send({ id: first + i + 1, data: delta(token) });
    await advanceTime(gap);
  }
}

/**
 * Drips `tokens` from the `first`th on (as {@link drip}) until `shown()` holds, and returns how
 * many were sent in all; fails if they run out first.
 */
async function dripUntil(
  stream: TestConnection,
  tokens: readonly string[],
  gap: number,
  shown: () => boolean,
  first = 0,
) {
  let sent = first;
  while (!shown()) {
    if (sent === tokens.length) throw new Error(`still not shown after ${sent} tokens`);
    await drip(stream, [tokens[sent]!], gap, sent);
    sent++;
  }
  return sent;
}

/** Lets `ms` of fake time pass a frame at a time, each frame committed on its own. */
async function elapse(ms: number) {
  for (let left = ms; left > 0; left -= FRAME_MS) await advanceTime(Math.min(FRAME_MS, left));
}

interface Harness {
  api: () => UseStreamTextResult;
  /** `text` at every commit. */
  commits: string[];
  unmount: () => void;
}

function renderChat(url: string, options: UseStreamTextOptions = {}): Harness {
  let current: UseStreamTextResult | null = null;
  const commits: string[] = [];
  function Chat() {
    const result = useStreamText(url, { fetch: server.fetch, ...options });
    current = result;
    useEffect(() => {
      commits.push(result.text);
    });
    return (
      <div>
        <p data-testid="text">{result.text}</p>
        <span data-testid="status">{result.status}</span>
        <span data-testid="error">
          {result.error ? `${result.error.type}:${result.error.status ?? ''}` : ''}
        </span>
      </div>
    );
  }
  const { unmount } = render(
    <StrictMode>
      <Chat />
    </StrictMode>,
  );
  return { api: () => current!, commits, unmount };
}

const text = () => screen.getByTestId('text').textContent;
const status = () => screen.getByTestId('status').textContent;

const TOKENS = ['The', ' quick', ' brown', ' fox', ' jumps', ' over', ' the', ' lazy', ' dog', '.'];

describe('useStreamText against the test server', () => {
  it('POSTs the JSON body with Authorization and shows tokens in order until [DONE]', async () => {
    const chat = renderChat('/chat', { headers: { Authorization: 'Bearer s3cret' } });
    expect(status()).toBe('idle');
    act(() => chat.api().start({ messages: [{ role: 'user', content: 'hi' }] }));
    expect(status()).toBe('streaming');
    const reply = await server.connected;
    reply.send({ data: { choices: [{ delta: { role: 'assistant' } }] } });
    await drip(reply, TOKENS, 5);
    // The sentinel, and a token after it in the same read: the reply ends at the sentinel.
    reply.write(formatEvent(DONE) + formatEvent({ data: delta(' after done') }));
    await flushFrames();
    expect(status()).toBe('done');
    expect(text()).toBe(TOKENS.join(''));
    expect(reply.state).toBe('aborted');

    // Every commit showed a prefix of the reply, growing.
    let previous = '';
    for (const shown of chat.commits) {
      expect(TOKENS.join('').startsWith(shown)).toBe(true);
      expect(shown.length).toBeGreaterThanOrEqual(previous.length);
      previous = shown;
    }

    expect(server.connections).toHaveLength(1);
    expect(reply.method).toBe('POST');
    expect(reply.headers.authorization).toBe('Bearer s3cret');
    expect(reply.headers['content-type']).toBe('application/json');
    expect(reply.headers.accept).toBe('text/event-stream');
    expect(JSON.parse(reply.body!)).toEqual({ messages: [{ role: 'user', content: 'hi' }] });
  });

  it('calls an async headers function and falls back to options.body', async () => {
    const chat = renderChat('/chat', {
      headers: async () => ({ Authorization: 'Bearer fresh' }),
      body: { prompt: 'from options' },
    });
    act(() => chat.api().start());
    const reply = await server.connected;
    reply.write(formatEvent({ data: delta('ok') }) + formatEvent(DONE));
    await flushFrames();
    expect(status()).toBe('done');
    expect(text()).toBe('ok');
    expect(reply.headers.authorization).toBe('Bearer fresh');
    expect(JSON.parse(reply.body!)).toEqual({ prompt: 'from options' });
  });

  it('a clean end of the stream without [DONE] is done', async () => {
    const chat = renderChat('/chat');
    act(() => chat.api().start());
    const reply = await server.connected;
    await drip(reply, ['a', 'b', 'c'], 5);
    expect(status()).toBe('streaming');
    reply.close();
    await flushFrames();
    expect(status()).toBe('done');
    expect(text()).toBe('abc');
    expect(chat.api().error).toBeNull();
  });

  it('stop() aborts the request on the server and keeps the text so far', async () => {
    const tokens = Array.from({ length: 1000 }, (_, i) => `t${i} `);
    const chat = renderChat('/chat');
    act(() => chat.api().start({ prompt: 'long' }));
    const reply = await server.connected;
    await drip(reply, tokens.slice(0, 20), 10);
    expect(text()!.length).toBeGreaterThan(10);
    expect(server).toHaveConnections(1);
    act(() => chat.api().stop());
    expect(status()).toBe('stopped');
    // Everything received is kept, the part not yet typed too.
    const kept = text();
    expect(kept).toBe(tokens.slice(0, 20).join(''));
    expect(await reply.closed).toBe('aborted');
    expect(server).toHaveConnections(0);
    // No frame still queued changes it afterwards.
    await elapse(1000);
    expect(text()).toBe(kept);
    expect(status()).toBe('stopped');
    expect(server.connections).toHaveLength(1);
  });

  it('unmounting aborts the request', async () => {
    const chat = renderChat('/chat');
    act(() => chat.api().start());
    const reply = await server.connected;
    // One long word: shown once the lag bound cuts it.
    const sent = await dripUntil(reply, Array(1000).fill('x'), 10, () => text() !== '');
    expect(sent).toBeLessThan(1000);
    chat.unmount();
    expect(await reply.closed).toBe('aborted');
    await advanceTime(60_000);
    expect(server.connections).toHaveLength(1);
  });

  it('start() during a generation aborts it and starts over with the new body', async () => {
    const chat = renderChat('/chat');
    act(() => chat.api().start('first'));
    const first = await server.connected;
    await drip(first, ['old ', 'old ', 'old ', 'old '], 10);
    expect(text()).toMatch(/^old /);
    act(() => chat.api().start('"second"'));
    expect(text()).toBe('');
    expect(await first.closed).toBe('aborted');
    const second = await server.connected;
    await drip(second, ['new', ' reply'], 5);
    second.send(DONE);
    await flushFrames();
    expect(status()).toBe('done');
    expect(text()).toBe('new reply');
    expect(server.connections.map((r) => r.body)).toEqual(['first', '"second"']);
    expect(server).toHaveConnections(0);
    act(() => chat.api().reset());
    expect(status()).toBe('idle');
    expect(text()).toBe('');
  });

  it('a 401 is reported and not retried, even with resume', async () => {
    for (const resume of [false, true]) {
      server.fail(401, { 'Content-Type': 'application/json' }, '{"error":"unauthorized"}');
      const chat = renderChat('/chat', { resume });
      act(() => chat.api().start());
      await server.requested;
      await flushFrames();
      expect(status()).toBe('error');
      expect(chat.api().error).toMatchObject({ type: 'http', status: 401, willRetry: false });
      expect(screen.getByTestId('error').textContent).toBe('http:401');
      const before = server.connections.length;
      await advanceTime(60_000);
      expect(server.connections).toHaveLength(before);
      cleanup();
    }
    expect(server.connections.map((c) => c.status)).toEqual([401, 401]);
  });

  it('hiding and showing the tab never sends the request again', async () => {
    let hidden = false;
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
    Object.defineProperty(document, 'visibilityState', {
      configurable: true,
      get: () => (hidden ? 'hidden' : 'visible'),
    });
    const toggle = () => {
      hidden = !hidden;
      document.dispatchEvent(new Event('visibilitychange'));
      window.dispatchEvent(new Event(hidden ? 'blur' : 'focus'));
      window.dispatchEvent(new Event(hidden ? 'pagehide' : 'pageshow'));
      window.dispatchEvent(new Event('online'));
    };
    try {
      const chat = renderChat('/chat', { body: { prompt: 'costly' } });
      act(() => chat.api().start());
      const reply = await server.connected;
      const sent = await dripUntil(reply, TOKENS, 30, () => text() !== '');
      expect(sent).toBeLessThanOrEqual(TOKENS.length - 4);
      // The tab is hidden and shown again four times while the reply streams.
      for (const [i, token] of TOKENS.slice(sent).entries()) {
        if (i < 4) act(toggle);
        await drip(reply, [token], 30, sent + i);
      }
      reply.send(DONE);
      await flushFrames();
      expect(status()).toBe('done');
      expect(text()).toBe(TOKENS.join(''));
      // And four times more after it ended.
      for (let i = 0; i < 4; i++) {
        act(toggle);
        await advanceTime(20);
      }
      await advanceTime(60_000);
      expect(server.connections).toHaveLength(1);
      expect(status()).toBe('done');
    } finally {
      delete (document as { hidden?: boolean }).hidden;
      delete (document as { visibilityState?: string }).visibilityState;
    }
  });

  it('a dropped stream is reported as an error, keeps the text, and is not requested again', async () => {
    const chat = renderChat('/chat');
    act(() => chat.api().start({ prompt: 'x' }));
    const reply = await server.connected;
    reply.send({ retry: 20 });
    await drip(reply, ['one', ' two', ' three'], 5);
    reply.drop();
    await flushFrames();
    expect(status()).toBe('error');
    expect(chat.api().error).toMatchObject({ type: 'network', willRetry: false });
    expect(text()).toBe('one two three');
    await advanceTime(60_000);
    expect(server.connections).toHaveLength(1);
  });

  it('with resume: true, a dropped stream is requested again with Last-Event-ID', async () => {
    const chat = renderChat('/chat', {
      resume: true,
      headers: async () => ({ Authorization: 'Bearer again' }),
    });
    act(() => chat.api().start({ prompt: 'resumable' }));
    const first = await server.connected;
    first.send({ retry: 20 });
    await drip(first, ['one', ' two', ' three'], 5);
    first.drop();
    await flushFrames();
    // The loss is shown while it is retried; the reply is still streaming.
    expect(status()).toBe('streaming');
    expect(chat.api().error).toMatchObject({ type: 'network', willRetry: true });
    // `retry: 20` is floored to 250 ms, plus at most half of it as jitter.
    await advanceTime(375);
    const second = await server.connected;
    expect(second).toHaveReceivedLastEventId('3');
    await drip(second, [' four', ' five'], 5, 3);
    second.send(DONE);
    await flushFrames();
    expect(status()).toBe('done');
    expect(text()).toBe('one two three four five');
    expect(chat.api().error).toBeNull();
    expect(server.connections).toHaveLength(2);
    expect(first.lastEventId).toBeNull();
    expect(second.headers.authorization).toBe('Bearer again');
    expect(second.method).toBe('POST');
    expect(second.body).toBe(first.body);
  });

  it('tokens arriving steadily render once per frame at most, word by word', async () => {
    const words = Array.from({ length: 300 }, (_, i) => `w${i % 10} `);
    const chat = renderChat('/chat');
    const before = chat.commits.length;
    const started = performance.now();
    act(() => chat.api().start());
    const reply = await server.connected;
    // One token every 4 ms, each read committed on its own: rendering per token would show here.
    await drip(reply, words, 4);
    reply.send(DONE);
    await flushFrames();
    expect(status()).toBe('done');
    const elapsed = performance.now() - started;
    const commits = chat.commits.slice(before);
    const full = words.join('');
    expect(text()).toBe(full);
    // One commit per animation frame at most (plus the start and the end).
    expect(commits.length).toBeLessThan(words.length / 2);
    expect(commits.length).toBeLessThanOrEqual(Math.ceil(elapsed / FRAME_MS) + 3);
    // Gradual, and never a word cut short.
    const partial = new Set(commits.filter((t) => t !== '' && t !== full));
    expect(partial.size).toBeGreaterThanOrEqual(5);
    for (const t of partial) expect(t).toMatch(/^(w\d ?)*$/);
  });

  it('blocks: join into the text, and only the last one ever changes', async () => {
    const reply = [
      '# Plan\n',
      'First a paragraph that runs on.\n\n',
      '- one item\n',
      '- two items\n\n',
      '```ts\nconst x = 1;\n\nconsole.log(x);\n```\n',
      'Done.',
    ].join('');
    const tokens = reply.match(/\s*\S+|\s+$/g)!;
    const seen: (readonly string[])[] = [];
    let current: UseStreamTextResult | null = null;
    function Blocks() {
      const result = useStreamText('/chat', { fetch: server.fetch });
      current = result;
      useEffect(() => {
        seen.push(result.blocks);
      });
      return <div data-testid="status">{result.status}</div>;
    }
    render(
      <StrictMode>
        <Blocks />
      </StrictMode>,
    );
    act(() => current!.start());
    const stream = await server.connected;
    await drip(stream, tokens, 6);
    stream.send(DONE);
    await flushFrames();
    expect(status()).toBe('done');
    expect(current!.blocks).toEqual([
      '# Plan\n',
      'First a paragraph that runs on.\n\n',
      '- one item\n',
      '- two items\n\n',
      '```ts\nconst x = 1;\n\nconsole.log(x);\n```\n',
      'Done.',
    ]);
    expect(current!.blocks.join('')).toBe(current!.text);
    expect(new Set(seen.map((b) => b.length)).size).toBeGreaterThanOrEqual(4);
    for (const [i, blocks] of seen.entries()) {
      const previous = seen[i - 1] ?? [];
      expect(blocks.slice(0, Math.max(0, previous.length - 1))).toEqual(previous.slice(0, -1));
    }
  });
});

describe('useStreamText with resumeKey', () => {
  afterEach(() => sessionStorage.clear());

  it('a reply cut by a reload continues on mount: GET after Last-Event-ID, no second POST, nothing typed twice', async () => {
    const words = Array.from({ length: 200 }, (_, i) => ` word${i}`);
    const first = renderChat('/chat', { resumeKey: 'reply' });
    act(() => first.api().start({ prompt: 'long' }));
    const post = await server.connected;
    const sent = await dripUntil(post, words, 8, () => text()!.length > 60);
    // The page goes away mid-reply (pagehide, then the document is torn down).
    act(() => void window.dispatchEvent(new Event('pagehide')));
    const before = text()!;
    first.unmount();
    cleanup();
    expect(await post.closed).toBe('aborted');
    const stored = JSON.parse(sessionStorage.getItem('sse-hooks:reply:reply')!);
    // What was shown, and what was received but not yet typed: everything up to the last id.
    expect(before.length).toBeLessThanOrEqual(stored.text.length);
    expect(stored.text.startsWith(before)).toBe(true);
    expect(stored).toMatchObject({ id: String(sent), text: words.slice(0, sent).join('') });

    // The reloaded page mounts the same chat.
    const second = renderChat('/chat', { resumeKey: 'reply' });
    // Before any request, the first text committed shows the text kept (the empty render before
    // it is replaced in the same task, by a layout effect: never painted).
    expect(second.commits.filter((t) => t !== '')[0]).toBe(stored.text);
    expect(status()).toBe('streaming');
    const get = await server.connected;
    expect(get.method).toBe('GET');
    expect(get).toHaveReceivedLastEventId(stored.id);
    expect(get.body).toBeNull();
    await drip(get, words.slice(sent), 2, sent);
    get.send(DONE);
    await flushFrames();
    expect(status()).toBe('done');
    expect(text()).toBe(words.join(''));
    const resumedAt = second.commits.findIndex((t) => t !== '');
    for (const shown of second.commits.slice(resumedAt)) {
      expect(shown.startsWith(stored.text)).toBe(true);
    }
    expect(server.connections.map((r) => r.method)).toEqual(['POST', 'GET']);
    expect(sessionStorage.getItem('sse-hooks:reply:reply')).toBeNull();
  });

  it('back from the back/forward cache, a reply hidden mid-stream continues', async () => {
    const words = Array.from({ length: 150 }, (_, i) => ` w${i}`);
    const chat = renderChat('/chat', { resumeKey: 'bfcache' });
    act(() => chat.api().start());
    const post = await server.connected;
    const sent = await dripUntil(post, words, 8, () => text()!.length > 30);
    act(() => void window.dispatchEvent(new Event('pagehide')));
    const hiddenAt = text()!;
    // Tokens the frozen page never saw: the resume must bring them, once.
    await drip(post, words.slice(sent, sent + 3), 8, sent);
    expect(text()).toBe(hiddenAt);
    act(() => void window.dispatchEvent(new Event('pageshow')));
    expect(await post.closed).toBe('aborted');
    const get = await server.connected;
    expect(get.method).toBe('GET');
    expect(get).toHaveReceivedLastEventId(String(sent));
    await drip(get, words.slice(sent), 2, sent);
    get.send(DONE);
    await flushFrames();
    expect(chat.api().status).toBe('done');
    expect(chat.api().text).toBe(words.join(''));
    for (const shown of chat.commits.slice(chat.commits.indexOf(hiddenAt))) {
      expect(shown.startsWith(hiddenAt)).toBe(true);
    }
    expect(server.connections.map((r) => r.method)).toEqual(['POST', 'GET']);
  });

  it('stop() forgets the reply: the next mount does not resume it', async () => {
    const words = Array.from({ length: 500 }, (_, i) => ` w${i}`);
    const chat = renderChat('/chat', { resumeKey: 'reply' });
    act(() => chat.api().start());
    const reply = await server.connected;
    await dripUntil(
      reply,
      words,
      10,
      () => sessionStorage.getItem('sse-hooks:reply:reply') !== null,
    );
    act(() => chat.api().stop());
    expect(sessionStorage.getItem('sse-hooks:reply:reply')).toBeNull();
    chat.unmount();
    cleanup();
    renderChat('/chat', { resumeKey: 'reply' });
    expect(status()).toBe('idle');
    await advanceTime(60_000);
    expect(server.connections).toHaveLength(1);
    expect(status()).toBe('idle');
  });
});

describe('useStreamText pacing in the browser', () => {
  // Ten bursts of 20 tokens, 100 ms apart, each burst one read.
  const BURSTS = Array.from({ length: 10 }, (_, b) =>
    Array.from({ length: 20 }, (_, i) => `tok${b * 20 + i} `),
  );
  const ALL = BURSTS.flat().join('');

  /** Sends each burst as one chunk, `gap` ms apart, frame by frame; the stream stays open. */
  async function bursts(stream: TestConnection, gap: number) {
    for (const burst of BURSTS) {
      stream.write(burst.map((t) => formatEvent({ data: delta(t) })).join(''));
      await elapse(gap);
    }
  }

  it('spreads bursts over the gap between them', async () => {
    const chat = renderChat('/chat');
    act(() => chat.api().start());
    await bursts(await server.connected, 100);
    // No character trails its arrival by more than maxLag (400 ms), but the held last space.
    await elapse(400);
    expect(text()).toBe(ALL.trimEnd());
    // More texts than bursts: a burst is typed over several frames, not shown in one jump.
    const partial = new Set(chat.commits.filter((t) => t !== '' && t !== ALL.trimEnd()));
    expect(partial.size).toBeGreaterThan(BURSTS.length + 5);
    expect(status()).toBe('streaming');
    act(() => chat.api().stop());
  });

  it('with prefers-reduced-motion, shows each burst at once (in one frame)', async () => {
    const matchMedia = vi.fn((query: string) => ({
      matches: query === '(prefers-reduced-motion: reduce)',
      media: query,
    }));
    vi.stubGlobal('matchMedia', matchMedia);
    const chat = renderChat('/chat');
    act(() => chat.api().start());
    await bursts(await server.connected, 100);
    expect(text()).toBe(ALL.trimEnd());
    expect(matchMedia).toHaveBeenCalledWith('(prefers-reduced-motion: reduce)');
    // One text per burst: everything that arrived (but the held last space).
    const shown = [...new Set(chat.commits.filter((t) => t !== ''))];
    expect(shown).toEqual(
      BURSTS.map((_, b) =>
        BURSTS.slice(0, b + 1)
          .flat()
          .join('')
          .trimEnd(),
      ),
    );
    act(() => chat.api().stop());
  });
});
