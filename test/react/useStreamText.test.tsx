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
import { frame, sseHead, startSSEServer, type TestSSEServer } from '../helpers/sseServer.js';

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

  it('a burst of tokens renders once per frame at most, revealed gradually', async () => {
    const burst = Array.from({ length: 500 }, (_, i) => `w${i % 10} `);
    server = await startSSEServer((_req, res) => {
      sseHead(res);
      res.write(burst.map((t) => chunk(t)).join(''));
      later(400, () => res.end('data: [DONE]\n\n'));
    });
    const chat = renderChat(server.url('/chat'), { pace: 3 });
    const before = chat.commits.length;
    const started = performance.now();
    act(() => chat.api().start());
    await waitStatus('done');
    const elapsed = performance.now() - started;
    const commits = chat.commits.slice(before);
    expect(text()).toBe(burst.join(''));
    // One commit per animation frame at most (plus the start and the end).
    expect(commits.length).toBeLessThan(burst.length / 5);
    expect(commits.length).toBeLessThanOrEqual(Math.ceil(elapsed / 16) + 3);
    // Gradual: several partial texts were shown before all of it.
    const partial = new Set(commits.filter((t) => t !== '' && t !== burst.join('')));
    expect(partial.size).toBeGreaterThanOrEqual(5);
  });
});

describe('useStreamText pacing in the browser', () => {
  /** A fetch double answering one SSE body in a single chunk, then holding the stream open. */
  function oneChunkFetch(body: string) {
    return (async (_input: RequestInfo | URL, init?: RequestInit) => {
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(body));
          init?.signal?.addEventListener('abort', () => controller.error(new Error('aborted')));
        },
      });
      return new Response(stream, { headers: { 'Content-Type': 'text/event-stream' } });
    }) as typeof fetch;
  }

  const BURST = Array.from({ length: 200 }, (_, i) => `tok${i} `);
  const body = BURST.map((t) => chunk(t)).join('');

  it('reveals a burst over many frames', async () => {
    const chat = renderChat('http://localhost/chat', { fetch: oneChunkFetch(body), pace: 2 });
    act(() => chat.api().start());
    await waitFor(() => expect(text()).toBe(BURST.join('')), { timeout: 4000 });
    const partial = new Set(chat.commits.filter((t) => t !== '' && t !== BURST.join('')));
    expect(partial.size).toBeGreaterThanOrEqual(10);
    expect(status()).toBe('streaming');
    act(() => chat.api().stop());
  });

  it('with prefers-reduced-motion, shows the burst at once (in one frame)', async () => {
    const matchMedia = vi.fn((query: string) => ({
      matches: query === '(prefers-reduced-motion: reduce)',
      media: query,
    }));
    vi.stubGlobal('matchMedia', matchMedia);
    const chat = renderChat('http://localhost/chat', { fetch: oneChunkFetch(body), pace: 2 });
    act(() => chat.api().start());
    await waitFor(() => expect(text()).toBe(BURST.join('')), { timeout: 4000 });
    expect(matchMedia).toHaveBeenCalledWith('(prefers-reduced-motion: reduce)');
    expect(chat.commits.filter((t) => t !== '')).toEqual([BURST.join('')]);
    act(() => chat.api().stop());
  });
});
