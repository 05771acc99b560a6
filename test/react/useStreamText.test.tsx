// @vitest-environment jsdom
import type { ServerResponse } from 'node:http';
import { StrictMode, useEffect } from 'react';
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  useStreamText,
  type UseStreamTextOptions,
  type UseStreamTextResult,
} from '../../src/chat.js';
import {
  frame,
  sseHead,
  startSSEServer,
  type TestSSEServer,
  lastEventIdOf,
} from '../helpers/sseServer.js';

// These tests need a fetch whose response bodies stream: Node's own (undici), not a polyfill.
const nodeFetch = globalThis.fetch;

let server: TestSSEServer | undefined;
const timers = new Set<ReturnType<typeof setTimeout>>();

afterEach(async () => {
  cleanup();
  for (const t of timers) clearTimeout(t);
  timers.clear();
  await server?.close();
  server = undefined;
  vi.unstubAllGlobals();
});

beforeAll(() => {
  expect(typeof nodeFetch).toBe('function');
});

/** Server-side timer that the test cleans up. */
function later(ms: number, fn: () => void) {
  const t = setTimeout(() => {
    timers.delete(t);
    fn();
  }, ms);
  timers.add(t);
}

const chunk = (content: string, id?: number) =>
  frame({ id, data: JSON.stringify({ choices: [{ delta: { content } }] }) });

/** Writes `tokens` one event per `gap` ms, then `tail` (e.g. the [DONE] frame). */
function drip(res: ServerResponse, tokens: string[], gap: number, tail?: string, first = 0) {
  let i = 0;
  const step = () => {
    if (res.destroyed || res.writableEnded) return;
    if (i < tokens.length) {
      res.write(chunk(tokens[i]!, first + i + 1));
      i++;
      later(gap, step);
    } else if (tail !== undefined) {
      res.write(tail);
      res.end();
    }
  };
  step();
}

const pause = (ms: number) => act(() => new Promise<void>((r) => setTimeout(r, ms)));

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
    const result = useStreamText(url, { fetch: nodeFetch, ...options });
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
const waitStatus = (s: string, timeout = 4000) =>
  waitFor(() => expect(status()).toBe(s), { timeout });

const TOKENS = ['The', ' quick', ' brown', ' fox', ' jumps', ' over', ' the', ' lazy', ' dog', '.'];

describe('useStreamText against a real SSE server', () => {
  it('POSTs the JSON body with Authorization and shows tokens in order until [DONE]', async () => {
    server = await startSSEServer((_req, res) => {
      sseHead(res);
      res.write(frame({ data: JSON.stringify({ choices: [{ delta: { role: 'assistant' } }] }) }));
      drip(res, TOKENS, 5, 'data: [DONE]\n\n' + chunk(' after done'));
    });
    const chat = renderChat(server.url('/chat'), {
      headers: { Authorization: 'Bearer s3cret' },
    });
    expect(status()).toBe('idle');
    act(() => chat.api().start({ messages: [{ role: 'user', content: 'hi' }] }));
    expect(status()).toBe('streaming');
    await waitStatus('done');
    expect(text()).toBe(TOKENS.join(''));

    // Every commit showed a prefix of the reply, growing.
    let previous = '';
    for (const shown of chat.commits) {
      expect(TOKENS.join('').startsWith(shown)).toBe(true);
      expect(shown.length).toBeGreaterThanOrEqual(previous.length);
      previous = shown;
    }

    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request!.method).toBe('POST');
    expect(request!.headers.authorization).toBe('Bearer s3cret');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers.accept).toBe('text/event-stream');
    expect(JSON.parse(request!.body)).toEqual({ messages: [{ role: 'user', content: 'hi' }] });
  });

  it('calls an async headers function and falls back to options.body', async () => {
    server = await startSSEServer((_req, res) => {
      sseHead(res);
      res.end(chunk('ok') + 'data: [DONE]\n\n');
    });
    const chat = renderChat(server.url('/chat'), {
      headers: async () => ({ Authorization: 'Bearer fresh' }),
      body: { prompt: 'from options' },
    });
    act(() => chat.api().start());
    await waitStatus('done');
    expect(text()).toBe('ok');
    expect(server.requests[0]!.headers.authorization).toBe('Bearer fresh');
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ prompt: 'from options' });
  });

  it('a clean end of the stream without [DONE] is done', async () => {
    server = await startSSEServer((_req, res) => {
      sseHead(res);
      drip(res, ['a', 'b', 'c'], 5, '');
    });
    const chat = renderChat(server.url('/chat'));
    act(() => chat.api().start());
    await waitStatus('done');
    expect(text()).toBe('abc');
  });

  it('stop() aborts the request on the server and keeps the text so far', async () => {
    server = await startSSEServer((_req, res) => {
      sseHead(res);
      drip(
        res,
        Array.from({ length: 1000 }, (_, i) => `t${i} `),
        10,
      );
    });
    const chat = renderChat(server.url('/chat'));
    act(() => chat.api().start({ prompt: 'long' }));
    await waitFor(() => expect(text()!.length).toBeGreaterThan(10), { timeout: 4000 });
    await waitFor(() => expect(server!.openStreams()).toBe(1));
    act(() => chat.api().stop());
    expect(status()).toBe('stopped');
    const kept = text();
    expect(kept).toMatch(/^t0 t1 t2 /);
    await waitFor(() => expect(server!.openStreams()).toBe(0), { timeout: 4000 });
    await pause(100);
    expect(text()).toBe(kept);
    expect(server.requests).toHaveLength(1);
  });

  it('unmounting aborts the request', async () => {
    server = await startSSEServer((_req, res) => {
      sseHead(res);
      drip(
        res,
        Array.from({ length: 1000 }, () => 'x'),
        10,
      );
    });
    const chat = renderChat(server.url('/chat'));
    act(() => chat.api().start());
    await waitFor(() => expect(text()).not.toBe(''), { timeout: 4000 });
    chat.unmount();
    await waitFor(() => expect(server!.openStreams()).toBe(0), { timeout: 4000 });
    expect(server.requests).toHaveLength(1);
  });

  it('start() during a generation aborts it and starts over with the new body', async () => {
    server = await startSSEServer((_req, res, body) => {
      sseHead(res);
      if (body === 'first')
        drip(
          res,
          Array.from({ length: 1000 }, () => 'old '),
          10,
        );
      else drip(res, ['new', ' reply'], 5, 'data: [DONE]\n\n');
    });
    const chat = renderChat(server.url('/chat'));
    act(() => chat.api().start('first'));
    await waitFor(() => expect(text()).toMatch(/^old /), { timeout: 4000 });
    act(() => chat.api().start('"second"'));
    expect(text()).toBe('');
    await waitStatus('done');
    expect(text()).toBe('new reply');
    expect(server.requests.map((r) => r.body)).toEqual(['first', '"second"']);
    await waitFor(() => expect(server!.openStreams()).toBe(0), { timeout: 4000 });
    act(() => chat.api().reset());
    expect(status()).toBe('idle');
    expect(text()).toBe('');
  });

  it('a 401 is reported and not retried, even with resume', async () => {
    for (const resume of [false, true]) {
      server = await startSSEServer((_req, res) => {
        res.writeHead(401, { 'Content-Type': 'application/json' });
        res.end('{"error":"unauthorized"}');
      });
      const chat = renderChat(server.url('/chat'), { resume });
      act(() => chat.api().start());
      await waitStatus('error');
      expect(chat.api().error).toMatchObject({ type: 'http', status: 401, willRetry: false });
      expect(screen.getByTestId('error').textContent).toBe('http:401');
      await pause(300);
      expect(server.requests).toHaveLength(1);
      cleanup();
      await server.close();
    }
    server = undefined;
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
      server = await startSSEServer((_req, res) => {
        sseHead(res);
        drip(res, TOKENS, 30, 'data: [DONE]\n\n');
      });
      const chat = renderChat(server.url('/chat'), { body: { prompt: 'costly' } });
      act(() => chat.api().start());
      await waitFor(() => expect(text()).not.toBe(''), { timeout: 4000 });
      for (let i = 0; i < 4; i++) {
        act(toggle);
        await pause(20);
      }
      await waitStatus('done');
      expect(text()).toBe(TOKENS.join(''));
      for (let i = 0; i < 4; i++) {
        act(toggle);
        await pause(20);
      }
      await pause(200);
      expect(server.requests).toHaveLength(1);
      expect(status()).toBe('done');
    } finally {
      delete (document as { hidden?: boolean }).hidden;
      delete (document as { visibilityState?: string }).visibilityState;
    }
  });

  it('a dropped stream is reported as an error, keeps the text, and is not requested again', async () => {
    server = await startSSEServer((_req, res) => {
      sseHead(res);
      res.write(frame({ retry: 20 }));
      drip(res, ['one', ' two', ' three'], 5);
      later(100, () => res.socket?.destroy());
    });
    const chat = renderChat(server.url('/chat'));
    act(() => chat.api().start({ prompt: 'x' }));
    await waitStatus('error');
    expect(chat.api().error).toMatchObject({ type: 'network', willRetry: false });
    expect(text()).toBe('one two three');
    await pause(300);
    expect(server.requests).toHaveLength(1);
  });

  it('with resume: true, a dropped stream is requested again with Last-Event-ID', async () => {
    server = await startSSEServer((req, res) => {
      sseHead(res);
      if (!req.headers['last-event-id']) {
        res.write(frame({ retry: 20 }));
        drip(res, ['one', ' two', ' three'], 5);
        later(100, () => res.socket?.destroy());
      } else {
        const from = Number(req.headers['last-event-id']);
        drip(res, [' four', ' five'], 5, 'data: [DONE]\n\n', from);
      }
    });
    const chat = renderChat(server.url('/chat'), {
      resume: true,
      headers: async () => ({ Authorization: 'Bearer again' }),
    });
    act(() => chat.api().start({ prompt: 'resumable' }));
    await waitStatus('done');
    expect(text()).toBe('one two three four five');
    expect(chat.api().error).toBeNull();
    expect(server.requests).toHaveLength(2);
    const [first, second] = server.requests;
    expect(first!.headers['last-event-id']).toBeUndefined();
    expect(second!.headers['last-event-id']).toBe('3');
    expect(second!.headers.authorization).toBe('Bearer again');
    expect(second!.body).toBe(first!.body);
  });

  it('tokens arriving steadily render once per frame at most, word by word', async () => {
    const words = Array.from({ length: 300 }, (_, i) => `w${i % 10} `);
    server = await startSSEServer((_req, res) => {
      sseHead(res);
      drip(res, words, 4, 'data: [DONE]\n\n');
    });
    const chat = renderChat(server.url('/chat'));
    const before = chat.commits.length;
    const started = performance.now();
    act(() => chat.api().start());
    await waitStatus('done', 8000);
    const elapsed = performance.now() - started;
    const commits = chat.commits.slice(before);
    const full = words.join('');
    expect(text()).toBe(full);
    // One commit per animation frame at most (plus the start and the end).
    expect(commits.length).toBeLessThan(words.length / 2);
    expect(commits.length).toBeLessThanOrEqual(Math.ceil(elapsed / 16) + 3);
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
    server = await startSSEServer((_req, res) => {
      sseHead(res);
      drip(res, tokens, 6, 'data: [DONE]\n\n');
    });
    const seen: (readonly string[])[] = [];
    let current: UseStreamTextResult | null = null;
    function Blocks() {
      const result = useStreamText(server!.url('/chat'), { fetch: nodeFetch });
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
    await waitStatus('done', 8000);
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
    server = await startSSEServer((req, res) => {
      sseHead(res);
      if (req.method === 'POST') {
        drip(res, words, 8, 'data: [DONE]\n\n');
      } else {
        const from = Number(lastEventIdOf(req));
        drip(res, words.slice(from), 2, 'data: [DONE]\n\n', from);
      }
    });
    const first = renderChat(server.url('/chat'), { resumeKey: 'reply' });
    act(() => first.api().start({ prompt: 'long' }));
    await waitFor(() => expect(text()!.length).toBeGreaterThan(60), { timeout: 4000 });
    // The page goes away mid-reply (pagehide, then the document is torn down).
    act(() => void window.dispatchEvent(new Event('pagehide')));
    const before = text()!;
    first.unmount();
    cleanup();
    await waitFor(() => expect(server!.openStreams()).toBe(0), { timeout: 4000 });
    const stored = JSON.parse(sessionStorage.getItem('sse-hooks:reply:reply')!);
    expect(before.length).toBeLessThanOrEqual(stored.text.length);

    // The reloaded page mounts the same chat.
    const second = renderChat(server.url('/chat'), { resumeKey: 'reply' });
    // Before any request, the first text committed shows the text kept (the empty render before
    // it is replaced in the same task, by a layout effect: never painted).
    expect(second.commits.filter((t) => t !== '')[0]).toBe(stored.text);
    expect(status()).toBe('streaming');
    await waitStatus('done', 8000);
    expect(text()).toBe(words.join(''));
    const resumedAt = second.commits.findIndex((t) => t !== '');
    for (const shown of second.commits.slice(resumedAt)) {
      expect(shown.startsWith(stored.text)).toBe(true);
    }
    expect(server.requests.map((r) => r.method)).toEqual(['POST', 'GET']);
    expect(lastEventIdOf(server.requests[1]!)).toBe(stored.id);
    expect(server.requests[1]!.body).toBe('');
    expect(sessionStorage.getItem('sse-hooks:reply:reply')).toBeNull();
  });

  it('back from the back/forward cache, a reply hidden mid-stream continues', async () => {
    const words = Array.from({ length: 150 }, (_, i) => ` w${i}`);
    server = await startSSEServer((req, res) => {
      sseHead(res);
      if (req.method === 'POST') drip(res, words, 8, 'data: [DONE]\n\n');
      else {
        const from = Number(lastEventIdOf(req));
        drip(res, words.slice(from), 2, 'data: [DONE]\n\n', from);
      }
    });
    const chat = renderChat(server.url('/chat'), { resumeKey: 'bfcache' });
    act(() => chat.api().start());
    await waitFor(() => expect(text()!.length).toBeGreaterThan(30), { timeout: 4000 });
    act(() => void window.dispatchEvent(new Event('pagehide')));
    const hiddenAt = text()!;
    act(() => void window.dispatchEvent(new Event('pageshow')));
    await waitFor(() => expect(chat.api().status).toBe('done'), { timeout: 8000 });
    expect(chat.api().text).toBe(words.join(''));
    for (const shown of chat.commits.slice(chat.commits.indexOf(hiddenAt))) {
      expect(shown.startsWith(hiddenAt)).toBe(true);
    }
    expect(server.requests.map((r) => r.method)).toEqual(['POST', 'GET']);
  });

  it('stop() forgets the reply: the next mount does not resume it', async () => {
    server = await startSSEServer((_req, res) => {
      sseHead(res);
      drip(
        res,
        Array.from({ length: 500 }, (_, i) => ` w${i}`),
        10,
      );
    });
    const chat = renderChat(server.url('/chat'), { resumeKey: 'reply' });
    act(() => chat.api().start());
    await waitFor(() => expect(sessionStorage.getItem('sse-hooks:reply:reply')).not.toBeNull(), {
      timeout: 4000,
    });
    act(() => chat.api().stop());
    expect(sessionStorage.getItem('sse-hooks:reply:reply')).toBeNull();
    chat.unmount();
    cleanup();
    renderChat(server.url('/chat'), { resumeKey: 'reply' });
    expect(status()).toBe('idle');
    await pause(100);
    expect(server.requests).toHaveLength(1);
  });
});

describe('useStreamText pacing in the browser', () => {
  /** A fetch double sending one SSE chunk every `gap` ms, holding the stream open after. */
  function pacedFetch(chunks: string[], gap: number) {
    return (async (_input: RequestInfo | URL, init?: RequestInit) => {
      const encoder = new TextEncoder();
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          chunks.forEach((c, i) =>
            later(i * gap, () => {
              if (!init?.signal?.aborted) controller.enqueue(encoder.encode(c));
            }),
          );
          init?.signal?.addEventListener('abort', () => controller.error(new Error('aborted')));
        },
      });
      return new Response(stream, { headers: { 'Content-Type': 'text/event-stream' } });
    }) as typeof fetch;
  }

  // Ten bursts of 20 tokens, 100 ms apart.
  const BURSTS = Array.from({ length: 10 }, (_, b) =>
    Array.from({ length: 20 }, (_, i) => `tok${b * 20 + i} `),
  );
  const ALL = BURSTS.flat().join('');
  const chunks = BURSTS.map((burst) => burst.map((t) => chunk(t)).join(''));

  it('spreads bursts over the gap between them', async () => {
    const chat = renderChat('http://localhost/chat', { fetch: pacedFetch(chunks, 100) });
    act(() => chat.api().start());
    await waitFor(() => expect(text()).toBe(ALL.trimEnd()), { timeout: 4000 });
    // More texts than bursts: a burst is typed over several frames, not shown in one jump (the
    // exact count depends on the frames the machine manages; the core tests fix the clock).
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
    const chat = renderChat('http://localhost/chat', { fetch: pacedFetch(chunks, 100) });
    act(() => chat.api().start());
    await waitFor(() => expect(text()).toBe(ALL.trimEnd()), { timeout: 4000 });
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
