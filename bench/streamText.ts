/**
 * Token-stream rendering: a chat component fed 10,000 tokens in bursts, rendered with
 *
 *   - useStreamText (paced reveal, at most one render per animation frame),
 *   - a plain `useState` update per token,
 *   - a throttled state (one update per 50 ms, leading and trailing), as chat SDKs commonly do.
 *
 * All three read the same SSE bytes through the same core `Connection` and the same fetch double,
 * so only the rendering strategy differs. Runs in this process on a jsdom window (its
 * `requestAnimationFrame` ticks at 60 Hz), with React's development build.
 */
import { createRequire } from 'node:module';

// jsdom ships no type declarations (and @types/jsdom is not a dependency): type the one use here.
const { JSDOM } = createRequire(import.meta.url)('jsdom') as {
  JSDOM: new (
    html: string,
    options: { pretendToBeVisual: boolean; url: string },
  ) => { window: Window };
};

const TOKENS = 10_000;
const BURST_GAP_MS = 25;

interface Case {
  name: string;
  renders: number;
  /** Largest number of characters one render added while streaming (the final flush excluded). */
  biggestJump: number;
  /** Median number of characters added by the renders that added any, while streaming. */
  medianJump: number;
  /** Milliseconds from the first byte to the full text on screen. */
  elapsedMs: number;
  /** CPU time of the whole run (process user + system). */
  cpuMs: number;
  finalText: string;
}

/** Installs a jsdom window's DOM globals, unless a DOM is already there. Keeps Node's fetch & co. */
function ensureDom(): void {
  const g = globalThis as Record<string, unknown>;
  if (typeof g.document !== 'undefined' && typeof g.requestAnimationFrame === 'function') return;
  const { window } = new JSDOM('<!doctype html><html><body></body></html>', {
    pretendToBeVisual: true,
    url: 'http://localhost/',
  });
  for (const key of [
    'window',
    'document',
    'navigator',
    'HTMLElement',
    'HTMLIFrameElement',
    'Node',
    'Element',
    'Text',
    'MutationObserver',
    'getComputedStyle',
    'requestAnimationFrame',
    'cancelAnimationFrame',
  ]) {
    if (
      typeof g[key] === 'undefined' ||
      key === 'requestAnimationFrame' ||
      key === 'cancelAnimationFrame'
    ) {
      const value = (window as unknown as Record<string, unknown>)[key];
      Object.defineProperty(globalThis, key, {
        configurable: true,
        writable: true,
        value: typeof value === 'function' && /^[a-z]/.test(key) ? value.bind(window) : value,
      });
    }
  }
  g.IS_REACT_ACT_ENVIRONMENT = false;
}

/** A small deterministic PRNG (mulberry32), so every run streams the same bursts. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['the', 'stream', 'of', 'tokens', 'arrives', 'in', 'bursts', 'and', 'renders', 'ok'];

/** The reply as network reads: bursts of reads (each 1-4 events), gaps between the bursts. */
function script(): { bursts: string[][]; text: string } {
  const next = random(42);
  const tokens = Array.from({ length: TOKENS }, (_, i) => (i === 0 ? '' : ' ') + WORDS[i % 10]);
  const bursts: string[][] = [];
  let i = 0;
  while (i < tokens.length) {
    const burst: string[] = [];
    const size = 20 + Math.floor(next() * 160); // tokens in this burst
    const end = Math.min(tokens.length, i + size);
    while (i < end) {
      const per = Math.min(end - i, 1 + Math.floor(next() * 4));
      let read = '';
      for (let k = 0; k < per; k++) {
        read += `data: ${JSON.stringify({ choices: [{ delta: { content: tokens[i++] } }] })}\n\n`;
      }
      burst.push(read);
    }
    bursts.push(burst);
  }
  bursts[bursts.length - 1]!.push('data: [DONE]\n\n');
  return { bursts, text: tokens.join('') };
}

/**
 * A fetch double: the response body delivers each read on its own macrotask (as socket reads
 * do), with a pause between bursts.
 */
function fetchDouble(bursts: string[][]): typeof fetch {
  return (async (_input: RequestInfo | URL, init?: RequestInit) => {
    const encoder = new TextEncoder();
    let b = 0;
    let r = 0;
    let stopped = false;
    init?.signal?.addEventListener('abort', () => (stopped = true));
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        return new Promise<void>((resolve) => {
          const deliver = () => {
            if (stopped) return resolve();
            const burst = bursts[b];
            if (!burst) {
              controller.close();
              return resolve();
            }
            controller.enqueue(encoder.encode(burst[r++]!));
            if (r >= burst.length) {
              b++;
              r = 0;
            }
            resolve();
          };
          if (r === 0 && b > 0) setTimeout(deliver, BURST_GAP_MS);
          else setImmediate(deliver);
        });
      },
    });
    return new Response(body, { headers: { 'Content-Type': 'text/event-stream' } });
  }) as typeof fetch;
}

export async function runStreamTextBench(): Promise<Case[]> {
  ensureDom();
  const React = await import('react');
  const { createRoot } = await import('react-dom/client');
  const { built, builtChat } = await import('./lib.js');
  const { useStreamText } = builtChat;
  const { Connection, ANY_EVENT, selectToken } = built;
  const { createElement: h, useCallback, useRef, useState } = React;

  const { bursts, text: expected } = script();
  const CHAT_URL = 'http://localhost/api/chat';

  type Hook = () => { text: string; done: boolean; start: () => void };

  /** The baselines share one SSE reader; `onToken` decides how state is updated. */
  function readTokens(onToken: (token: string) => void, onDone: () => void) {
    const conn = new Connection(CHAT_URL, {
      method: 'POST',
      body: { prompt: 'bench' },
      transport: 'fetch',
      reconnect: false,
      fetch: fetchDouble(bursts),
    });
    conn.addEventListener(ANY_EVENT, (message) => {
      if (message.data.trim() === '[DONE]') {
        conn.close();
        onDone();
        return;
      }
      const token = selectToken(message);
      if (token) onToken(token);
    });
    conn.onError(() => onDone());
    conn.open();
  }

  const useOurs: Hook = () => {
    const stream = useStreamText(CHAT_URL, {
      fetch: fetchDouble(bursts),
      body: { prompt: 'bench' },
    });
    return {
      text: stream.text,
      done: stream.status === 'done',
      start: stream.start,
    };
  };

  const usePerToken: Hook = () => {
    const [text, setText] = useState('');
    const [done, setDone] = useState(false);
    const start = useCallback(() => {
      readTokens(
        (token) => setText((t) => t + token),
        () => setDone(true),
      );
    }, []);
    return { text, done, start };
  };

  const useThrottled: Hook = () => {
    const [text, setText] = useState('');
    const [done, setDone] = useState(false);
    const received = useRef('');
    const start = useCallback(() => {
      const wait = 50;
      let last = -Infinity;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const flush = () => {
        clearTimeout(timer);
        timer = undefined;
        last = performance.now();
        setText(received.current);
      };
      readTokens(
        (token) => {
          received.current += token;
          const remaining = wait - (performance.now() - last);
          if (remaining <= 0) flush();
          else timer ??= setTimeout(flush, remaining);
        },
        () => {
          flush();
          setDone(true);
        },
      );
    }, []);
    return { text, done, start };
  };

  async function measure(name: string, useChat: Hook): Promise<Case> {
    const stats = { renders: 0, jumps: [] as number[], shown: 0, done: false, text: '' };
    let begin: (() => void) | null = null;
    function Chat() {
      const chat = useChat();
      stats.renders++;
      const jump = chat.text.length - stats.shown;
      if (jump > 0 && !chat.done) stats.jumps.push(jump);
      stats.shown = chat.text.length;
      stats.done = chat.done;
      stats.text = chat.text;
      begin = chat.start;
      return h('article', null, h('p', null, chat.text));
    }
    const container = document.createElement('div');
    document.body.appendChild(container);
    const root = createRoot(container);
    root.render(h(Chat));
    await until(() => begin !== null);
    const rendersBefore = stats.renders;
    const cpu = process.cpuUsage();
    const started = performance.now();
    begin!();
    await until(() => stats.done && container.textContent === expected, 60_000);
    const elapsedMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    root.unmount();
    container.remove();
    return {
      name,
      renders: stats.renders - rendersBefore,
      biggestJump: Math.max(...stats.jumps),
      medianJump: stats.jumps.sort((a, b) => a - b)[stats.jumps.length >> 1] ?? 0,
      elapsedMs,
      cpuMs: (used.user + used.system) / 1000,
      finalText: stats.text,
    };
  }

  const cases = [
    await measure('useStreamText (paced, per frame)', useOurs),
    await measure('useState per token', usePerToken),
    await measure('throttled state, 50 ms', useThrottled),
  ];

  const chars = expected.length;
  console.log(
    `${TOKENS.toLocaleString('en')} tokens (${chars.toLocaleString('en')} characters) in ` +
      `${bursts.length} bursts of 1-4-event reads, ${BURST_GAP_MS} ms apart; jsdom, React development build`,
  );
  const rows = cases.map((c) => [
    c.name,
    String(c.renders),
    `${c.medianJump} / ${c.biggestJump}`,
    c.elapsedMs.toFixed(0),
    c.cpuMs.toFixed(0),
    c.finalText === expected ? 'identical' : 'DIFFERENT',
  ]);
  const header = [
    'approach',
    'renders/10k tokens',
    'chars per render, median / max',
    'wall ms',
    'CPU ms',
    'final text',
  ];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows]) {
    console.log(
      row
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
        .join('  '),
    );
  }
  if (cases.some((c) => c.finalText !== expected)) throw new Error('the final texts differ');
  return cases;
}

async function until(predicate: () => boolean, timeout = 10_000): Promise<void> {
  const start = performance.now();
  while (!predicate()) {
    if (performance.now() - start > timeout) throw new Error('streamText bench: timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

// `tsx bench/streamText.ts` runs this section alone.
if (import.meta.url === `file://${process.argv[1]}`) await runStreamTextBench();
