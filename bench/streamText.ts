/**
 * Typewriter chat replies, in three parts, each case in a fresh Node process with a jsdom window
 * (60 Hz `requestAnimationFrame`) and React's development build, the library loaded from dist/:
 *
 * 1. Markdown: a 20,000-character reply (shapes: prose with lists, code-heavy, Chinese with
 *    emoji) typed by the library's pacing at 100 tokens/s, then every frame's text rendered as
 *    Markdown (`marked` + DOMPurify) into the DOM twice: re-parsing the whole text on every
 *    frame, and one memoised component per block of `blocks` (only the last re-parses). Total
 *    render+parse time of each and their ratio, renders per reply, the slowest frame of each;
 *    the final DOM text of both is checked equal, the final text against the generator.
 * 2. Lag: tokens arrive through `useStreamText` in real time at 20, 100 and 500 tokens/s, steady
 *    or in bursts; for each token, the time from its arrival to the first commit that shows all
 *    of it. Side by side: a fixed-rate typewriter (2 characters a frame) and a 50 ms throttle,
 *    fed the same stream. Renders per reply; final texts checked against the generator.
 * 3. Renders: the earlier burst bench (10,000 tokens) against a state update per token and a
 *    throttle.
 *
 * Rows are printed worst first. `tsx bench/streamText.ts` runs the section alone.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
// Tokens cut as the demo's chat server cuts them (as a byte-level model tokenizer does).
import { tokenize } from '../demo/server/chat.js';

const require = createRequire(import.meta.url);
// jsdom ships no type declarations (and @types/jsdom is not a dependency): type the one use here.
const { JSDOM } = require('jsdom') as {
  JSDOM: new (
    html: string,
    options: { pretendToBeVisual: boolean; url: string },
  ) => { window: Window };
};

// ---- shared ----------------------------------------------------------------------------------

/** Installs a jsdom window's DOM globals, unless a DOM is already there. Keeps Node's fetch & co. */
function ensureDom(): Window {
  const g = globalThis as Record<string, unknown>;
  if (typeof g.document !== 'undefined' && typeof g.requestAnimationFrame === 'function') {
    return g.window as Window;
  }
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
    'DocumentFragment',
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
  return window;
}

/** A small deterministic PRNG (mulberry32), so every run streams the same text. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function until(predicate: () => boolean, timeout = 60_000): Promise<void> {
  const start = performance.now();
  while (!predicate()) {
    if (performance.now() - start > timeout) throw new Error('streamText bench: timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function table(header: string[], rows: string[][]): void {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows]) {
    console.log(
      row
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
        .join('  '),
    );
  }
}

/** Runs `tsx bench/streamText.ts --case <name>` in a fresh process; returns its JSON result. */
function inFreshProcess<T>(name: string): T {
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), '--case', name],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const line = child.stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('#result '));
  if (child.status !== 0 || !line) {
    throw new Error(`bench case ${name} failed (${child.status}):\n${child.stderr}`);
  }
  return JSON.parse(line.slice('#result '.length)) as T;
}

// ---- 1. Markdown: blocks against a whole re-parse ------------------------------------------

const REPLY_CHARS = 20_000;
/**
 * Tokens per second of the reply rendered as Markdown: fast enough that re-parsing the whole
 * text on every frame finishes in a minute on this machine (at 100 tokens/s it takes minutes).
 */
const MARKDOWN_RATE = 300;
const SHAPES = ['prose', 'code', 'cjk'] as const;
type Shape = (typeof SHAPES)[number];

const WORDS =
  'the stream server client event reply token frame render block parse retry browser header request answer model text chunk list code'.split(
    ' ',
  );
const CJK = '流式输出服务器客户端事件回答模型文本渲染浏览器请求重连标记列表代码中文字符显示'.split(
  '',
);
const EMOJI = ['👍🏽', '👨‍👩‍👧‍👦', '🇨🇳', '🇫🇷', '✅', '🎉', '👩🏾‍💻', 'café', 'naïve'];

/** A Markdown reply of about {@link REPLY_CHARS} characters: headings, paragraphs, lists, code. */
export function markdownReply(shape: Shape, seed = 7): string {
  const next = random(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const sentence = () => {
    if (shape === 'cjk') {
      let s = '';
      const n = 12 + Math.floor(next() * 20);
      for (let i = 0; i < n; i++) s += next() < 0.1 ? pick(EMOJI) : pick(CJK);
      return s + '。';
    }
    const n = 6 + Math.floor(next() * 12);
    const words = Array.from({ length: n }, () =>
      next() < 0.08 ? `\`${pick(WORDS)}()\`` : pick(WORDS),
    );
    return words.join(' ').replace(/^./, (c) => c.toUpperCase()) + '.';
  };
  const paragraph = () => Array.from({ length: 2 + Math.floor(next() * 4) }, sentence).join(' ');
  const list = () =>
    Array.from(
      { length: 3 + Math.floor(next() * 5) },
      (_, i) => `${next() < 0.5 ? '-' : `${i + 1}.`} ${sentence()}`,
    ).join('\n');
  const code = () => {
    const lines = Array.from(
      { length: 6 + Math.floor(next() * (shape === 'code' ? 30 : 10)) },
      () => {
        const indent = '  '.repeat(Math.floor(next() * 3));
        return `${indent}const ${pick(WORDS)} = ${pick(WORDS)}(${Math.floor(next() * 100)}); // ${pick(WORDS)}`;
      },
    );
    return '```ts\n' + lines.join('\n') + '\n```';
  };
  const blocks: string[] = [];
  let length = 0;
  while (length < REPLY_CHARS) {
    const roll = next();
    const block =
      blocks.length % 9 === 0
        ? `## ${shape === 'cjk' ? sentence() : pick(WORDS) + ' ' + pick(WORDS)}`
        : shape === 'code'
          ? roll < 0.45
            ? code()
            : roll < 0.7
              ? list()
              : paragraph()
          : roll < 0.15
            ? code()
            : roll < 0.5
              ? list()
              : paragraph();
    blocks.push(block);
    length += block.length + 2;
  }
  return blocks.join('\n\n').slice(0, REPLY_CHARS);
}

interface MarkdownRow {
  shape: Shape;
  tokens: number;
  renders: number;
  rendersAt100: number;
  blocks: number;
  wholeMs: number;
  blocksMs: number;
  wholeWorstFrameMs: number;
  blocksWorstFrameMs: number;
  parses: number;
  sameDom: boolean;
  sameText: boolean;
}

async function markdownCase(shape: Shape): Promise<MarkdownRow> {
  const window = ensureDom();
  const React = await import('react');
  const { flushSync } = await import('react-dom');
  const { createRoot } = await import('react-dom/client');
  const { Marked } = await import('marked');
  const createDOMPurify = (await import('dompurify')).default;
  const { built } = await import('./lib.js');
  const { TextReveal, BlockSplitter } = built;
  const purify = createDOMPurify(window as unknown as Parameters<typeof createDOMPurify>[0]);
  const markdown = new Marked({ gfm: true, async: false });
  let parses = 0;
  const render = (source: string) => {
    parses++;
    return purify.sanitize(markdown.parse(source, { async: false }));
  };

  // The texts a reader sees: the library's pacing, tokens at a steady rate, 60 Hz frames.
  const reply = markdownReply(shape);
  const tokens = tokenize(reply);
  const typed = (rate: number) => {
    const reveal = new TextReveal();
    const texts: string[] = [];
    let t = 0;
    let nextFrame = 0;
    for (const token of tokens) {
      while (nextFrame < t) {
        if (reveal.frame(nextFrame)) texts.push(reveal.shownText);
        nextFrame += 1000 / 60;
      }
      reveal.push(token, t);
      t += 1000 / rate;
    }
    reveal.end();
    texts.push(reveal.shownText);
    return texts;
  };
  const rendersAt100 = typed(100).length;
  const frames = typed(MARKDOWN_RATE);
  const splitter = new BlockSplitter();
  const frameBlocks = frames.map((text, i) => splitter.update(text, i === frames.length - 1));

  const { createElement: h, memo } = React;
  const Whole = ({ text }: { text: string }) =>
    h('article', { dangerouslySetInnerHTML: { __html: render(text) } });
  const Block = memo(({ source }: { source: string }) =>
    h('div', { dangerouslySetInnerHTML: { __html: render(source) } }),
  );
  const Blocks = ({ blocks }: { blocks: readonly string[] }) =>
    h(
      'article',
      null,
      blocks.map((b, i) => h(Block, { key: i, source: b })),
    );

  /** Renders every frame in order; total CPU and worst frame time in ms. */
  function play(count: number, frame: (i: number) => ReturnType<typeof h>) {
    const container = document.createElement('div');
    document.body.appendChild(container);
    const root = createRoot(container);
    let worst = 0;
    const cpu = process.cpuUsage();
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      flushSync(() => root.render(frame(i)));
      worst = Math.max(worst, performance.now() - t0);
    }
    const used = process.cpuUsage(cpu);
    const total = (used.user + used.system) / 1000;
    const text = container.textContent ?? '';
    root.unmount();
    container.remove();
    return { total, worst, text };
  }

  // Warm both up on the first frames, then measure each on all of them.
  const warm = Math.min(200, frames.length);
  play(warm, (i) => h(Whole, { text: frames[i]! }));
  play(warm, (i) => h(Blocks, { blocks: frameBlocks[i]! }));
  parses = 0;
  const blocks = play(frames.length, (i) => h(Blocks, { blocks: frameBlocks[i]! }));
  const blockParses = parses;
  const whole = play(frames.length, (i) => h(Whole, { text: frames[i]! }));
  const squash = (s: string) => s.replace(/\s+/g, ' ').trim();
  return {
    shape,
    tokens: tokens.length,
    renders: frames.length,
    rendersAt100,
    blocks: frameBlocks.at(-1)!.length,
    wholeMs: whole.total,
    blocksMs: blocks.total,
    wholeWorstFrameMs: whole.worst,
    blocksWorstFrameMs: blocks.worst,
    parses: blockParses,
    sameDom: squash(whole.text) === squash(blocks.text),
    sameText: frames.at(-1) === reply && frameBlocks.at(-1)!.join('') === reply,
  };
}

// ---- 2. Lag behind arrival -----------------------------------------------------------------

const RATES = [20, 100, 500];
const LAG_SECONDS = 3;
type Pattern = 'steady' | 'bursty';

interface LagRow {
  approach: string;
  pattern: Pattern;
  rate: number;
  tokens: number;
  renders: number;
  p50: number;
  p95: number;
  max: number;
  same: boolean;
}

async function lagCase(pattern: Pattern, rate: number): Promise<LagRow[]> {
  ensureDom();
  const React = await import('react');
  const { createRoot } = await import('react-dom/client');
  const { built, builtChat } = await import('./lib.js');
  const { useStreamText } = builtChat;
  const { Connection, ANY_EVENT, selectToken } = built;
  const { createElement: h, useEffect, useState } = React;

  const next = random(rate * 31 + (pattern === 'bursty' ? 1 : 0));
  const count = Math.round(rate * LAG_SECONDS);
  const words = 'the stream of tokens arrives and renders as it comes in'.split(' ');
  const tokens = Array.from({ length: count }, (_, i) =>
    i % 17 === 16
      ? '\n\n' + words[i % words.length]
      : ' ' + words[Math.floor(next() * words.length)],
  );
  const expected = tokens.join('');
  // Arrival schedule: steady with jitter, or the same average rate in bursts every 200 ms.
  const at = tokens.map((_, i) =>
    pattern === 'steady'
      ? (i * 1000) / rate + next() * (400 / rate)
      : Math.floor((i * 1000) / rate / 200) * 200,
  );
  const ends = tokens.map((_, i) => tokens.slice(0, i + 1).join('').length);

  type Reader = { fetch: typeof fetch; arrived: number[] };
  /** One fetch double per approach, all fed on one schedule; records when each token arrived. */
  const readers: Reader[] = [];
  const encoder = new TextEncoder();
  const makeReader = (): Reader => {
    const reader: Reader = { arrived: [], fetch: undefined as unknown as typeof fetch };
    reader.fetch = (async () => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          const t0 = performance.now();
          let i = 0;
          const pump = () => {
            const now = performance.now() - t0;
            let chunk = '';
            while (i < tokens.length && at[i]! <= now) {
              chunk += `data: ${JSON.stringify({ choices: [{ delta: { content: tokens[i] } }] })}\n\n`;
              reader.arrived[i] = performance.now();
              i++;
            }
            if (chunk) controller.enqueue(encoder.encode(chunk));
            if (i < tokens.length) setTimeout(pump, Math.max(0, Math.min(at[i]! - now, 50)));
            else {
              controller.enqueue(encoder.encode('data: [DONE]\n\n'));
              controller.close();
            }
          };
          pump();
        },
      });
      return new Response(body, { headers: { 'Content-Type': 'text/event-stream' } });
    }) as typeof fetch;
    readers.push(reader);
    return reader;
  };

  type Hook = (reader: Reader) => { text: string; done: boolean; start: () => void };
  function readTokens(reader: Reader, onToken: (t: string) => void, onDone: () => void) {
    const conn = new Connection('http://localhost/chat', {
      method: 'POST',
      transport: 'fetch',
      reconnect: false,
      fetch: reader.fetch,
    });
    conn.addEventListener(ANY_EVENT, (message) => {
      if (message.data === '[DONE]') {
        conn.close();
        onDone();
      } else onToken(selectToken(message) ?? '');
    });
    conn.open();
  }
  const useOurs: Hook = (reader) => {
    const s = useStreamText('http://localhost/chat', { fetch: reader.fetch });
    return { text: s.text, done: s.status === 'done', start: s.start };
  };
  // A fixed-rate typewriter: 2 characters a frame, whatever arrives; all of it at the end.
  const useFixed: Hook = (reader) => {
    const [state, setState] = useState({ text: '', done: false });
    const start = () => {
      const received = { text: '', done: false };
      let shown = 0;
      readTokens(
        reader,
        (t) => (received.text += t),
        () => (received.done = true),
      );
      const tick = () => {
        shown = received.done ? received.text.length : Math.min(received.text.length, shown + 2);
        const done = received.done;
        setState({ text: received.text.slice(0, shown), done });
        if (!done) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    };
    return { ...state, start };
  };
  const useThrottled: Hook = (reader) => {
    const [state, setState] = useState({ text: '', done: false });
    const start = () => {
      let text = '';
      let last = -Infinity;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const flush = () => {
        clearTimeout(timer);
        timer = undefined;
        last = performance.now();
        setState((s) => ({ ...s, text }));
      };
      readTokens(
        reader,
        (t) => {
          text += t;
          const remaining = 50 - (performance.now() - last);
          if (remaining <= 0) flush();
          else timer ??= setTimeout(flush, remaining);
        },
        () => {
          clearTimeout(timer);
          setState({ text, done: true });
        },
      );
    };
    return { ...state, start };
  };

  const approaches: [string, Hook][] = [
    ['useStreamText (arrival-paced)', useOurs],
    ['fixed rate, 2 chars/frame, flushed at the end', useFixed],
    ['throttle, 50 ms', useThrottled],
  ];
  const results = approaches.map(() => ({
    renders: 0,
    shownAt: [] as number[],
    text: '',
    done: false,
  }));
  const starts: (() => void)[] = [];
  const Chat = ({ index, reader }: { index: number; reader: Reader }) => {
    const chat = approaches[index]![1](reader);
    const r = results[index]!;
    useEffect(() => {
      r.renders++;
      r.text = chat.text;
      r.done = chat.done;
      const now = performance.now();
      for (let i = r.shownAt.length; i < ends.length && ends[i]! <= chat.text.length; i++) {
        r.shownAt[i] = now;
      }
    });
    starts[index] = chat.start;
    return h('p', null, chat.text);
  };
  const container = document.createElement('div');
  document.body.appendChild(container);
  const root = createRoot(container);
  const rs = approaches.map(() => makeReader());
  root.render(
    h(
      'div',
      null,
      approaches.map((_, i) => h(Chat, { key: i, index: i, reader: rs[i]! })),
    ),
  );
  await until(() => starts.length === approaches.length);
  for (const r of results) r.renders = 0;
  for (const start of starts) start();
  await until(() => results.every((r) => r.done), 120_000);
  root.unmount();
  return approaches.map(([approach], k) => {
    const r = results[k]!;
    const lags = tokens.map((_, i) => r.shownAt[i]! - rs[k]!.arrived[i]!).sort((a, b) => a - b);
    const q = (p: number) => lags[Math.min(lags.length - 1, Math.floor(p * lags.length))]!;
    return {
      approach,
      pattern,
      rate,
      tokens: count,
      renders: r.renders,
      p50: q(0.5),
      p95: q(0.95),
      max: lags.at(-1)!,
      same: r.text === expected,
    };
  });
}

// ---- 3. Renders of a 10,000-token burst ----------------------------------------------------

interface RendersRow {
  name: string;
  renders: number;
  elapsedMs: number;
  cpuMs: number;
  same: boolean;
}

async function rendersCase(): Promise<RendersRow[]> {
  ensureDom();
  const React = await import('react');
  const { createRoot } = await import('react-dom/client');
  const { built, builtChat } = await import('./lib.js');
  const { useStreamText } = builtChat;
  const { Connection, ANY_EVENT, selectToken } = built;
  const { createElement: h, useCallback, useRef, useState } = React;
  const next = random(42);
  const TOKENS = 10_000;
  const tokens = Array.from({ length: TOKENS }, (_, i) => (i === 0 ? '' : ' ') + WORDS[i % 10]);
  const bursts: string[][] = [];
  for (let i = 0; i < tokens.length;) {
    const burst: string[] = [];
    const end = Math.min(tokens.length, i + 20 + Math.floor(next() * 160));
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
  bursts.at(-1)!.push('data: [DONE]\n\n');
  const expected = tokens.join('');
  const fetchDouble = (() => {
    const encoder = new TextEncoder();
    let b = 0;
    let r = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        return new Promise<void>((resolve) => {
          const deliver = () => {
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
          if (r === 0 && b > 0) setTimeout(deliver, 25);
          else setImmediate(deliver);
        });
      },
    });
    return new Response(body, { headers: { 'Content-Type': 'text/event-stream' } });
  }) as unknown as typeof fetch;

  type Hook = () => { text: string; done: boolean; start: () => void };
  function readTokens(onToken: (token: string) => void, onDone: () => void) {
    const conn = new Connection('http://localhost/chat', {
      method: 'POST',
      transport: 'fetch',
      reconnect: false,
      fetch: fetchDouble,
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
    conn.open();
  }
  const useOurs: Hook = () => {
    const s = useStreamText('http://localhost/chat', { fetch: fetchDouble });
    return { text: s.text, done: s.status === 'done', start: s.start };
  };
  const usePerToken: Hook = () => {
    const [text, setText] = useState('');
    const [done, setDone] = useState(false);
    const start = useCallback(
      () =>
        readTokens(
          (t) => setText((s) => s + t),
          () => setDone(true),
        ),
      [],
    );
    return { text, done, start };
  };
  const useThrottled: Hook = () => {
    const [text, setText] = useState('');
    const [done, setDone] = useState(false);
    const received = useRef('');
    const start = useCallback(() => {
      let last = -Infinity;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const flush = () => {
        clearTimeout(timer);
        timer = undefined;
        last = performance.now();
        setText(received.current);
      };
      readTokens(
        (t) => {
          received.current += t;
          const remaining = 50 - (performance.now() - last);
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

  async function measure(name: string, useChat: Hook): Promise<RendersRow> {
    const stats = { renders: 0, done: false, text: '' };
    let begin: (() => void) | null = null;
    function Chat() {
      const chat = useChat();
      stats.renders++;
      stats.done = chat.done;
      stats.text = chat.text;
      begin = chat.start;
      return h('p', null, chat.text);
    }
    const container = document.createElement('div');
    document.body.appendChild(container);
    const root = createRoot(container);
    root.render(h(Chat));
    await until(() => begin !== null);
    const before = stats.renders;
    const cpu = process.cpuUsage();
    const started = performance.now();
    begin!();
    await until(() => stats.done && container.textContent === expected);
    const elapsedMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    root.unmount();
    container.remove();
    return {
      name,
      renders: stats.renders - before,
      elapsedMs,
      cpuMs: (used.user + used.system) / 1000,
      same: stats.text === expected,
    };
  }
  return [
    await measure('useStreamText (arrival-paced, per frame)', useOurs),
    await measure('useState per token', usePerToken),
    await measure('throttled state, 50 ms', useThrottled),
  ];
}

// ---- the section -----------------------------------------------------------------------------

export async function runStreamTextBench(): Promise<void> {
  let failed = false;

  console.log(
    `\n-- Markdown: a ${REPLY_CHARS.toLocaleString('en')}-character reply typed at ${MARKDOWN_RATE} tokens/s, every frame ` +
      'rendered with marked + DOMPurify into jsdom (React development build); CPU time of all renders and parses; ' +
      'worst ratio first',
  );
  const md = SHAPES.map((shape) => inFreshProcess<MarkdownRow>(`markdown:${shape}`)).sort(
    (a, b) => b.blocksMs / b.wholeMs - a.blocksMs / a.wholeMs,
  );
  table(
    [
      'reply',
      'tokens',
      'renders',
      'renders at 100 tok/s',
      'blocks',
      'whole re-parse CPU ms',
      'blocks CPU ms',
      'ratio',
      'slowest frame whole / blocks ms',
      'parses (blocks)',
      'checked',
    ],
    md.map((r) => [
      r.shape,
      String(r.tokens),
      String(r.renders),
      String(r.rendersAt100),
      String(r.blocks),
      r.wholeMs.toFixed(0),
      r.blocksMs.toFixed(0),
      `${(r.wholeMs / r.blocksMs).toFixed(1)}x`,
      `${r.wholeWorstFrameMs.toFixed(1)} / ${r.blocksWorstFrameMs.toFixed(1)}`,
      String(r.parses),
      r.sameDom && r.sameText ? 'same DOM text' : 'DIFFERENT',
    ]),
  );
  if (md.some((r) => !r.sameDom || !r.sameText)) failed = true;

  console.log(
    `\n-- Lag: each token from its arrival to the first render showing all of it, ${LAG_SECONDS} s of tokens ` +
      'through the real hook (60 Hz frames); worst max first',
  );
  const lag = (['steady', 'bursty'] as const)
    .flatMap((pattern) =>
      RATES.flatMap((rate) => inFreshProcess<LagRow[]>(`lag:${pattern}:${rate}`)),
    )
    .sort((a, b) => b.max - a.max);
  table(
    [
      'approach',
      'arrival',
      'tokens/s',
      'tokens',
      'renders',
      'lag p50 ms',
      'p95 ms',
      'max ms',
      'final text',
    ],
    lag.map((r) => [
      r.approach,
      r.pattern,
      String(r.rate),
      String(r.tokens),
      String(r.renders),
      r.p50.toFixed(0),
      r.p95.toFixed(0),
      r.max.toFixed(0),
      r.same ? 'identical' : 'DIFFERENT',
    ]),
  );
  if (lag.some((r) => !r.same)) failed = true;

  console.log('\n-- Renders: 10,000 tokens in bursts of 1-4-event reads, 25 ms apart');
  const renders = inFreshProcess<RendersRow[]>('renders');
  table(
    ['approach', 'renders/10k tokens', 'wall ms', 'CPU ms', 'final text'],
    renders.map((r) => [
      r.name,
      String(r.renders),
      r.elapsedMs.toFixed(0),
      r.cpuMs.toFixed(0),
      r.same ? 'identical' : 'DIFFERENT',
    ]),
  );
  if (renders.some((r) => !r.same)) failed = true;
  if (failed) throw new Error('streamText bench: an output differs from the generator');
}

async function runCase(name: string): Promise<unknown> {
  const [kind, a, b] = name.split(':');
  if (kind === 'markdown') return markdownCase(a as Shape);
  if (kind === 'lag') return lagCase(a as Pattern, Number(b));
  if (kind === 'renders') return rendersCase();
  throw new Error(`unknown bench case ${name}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const caseIndex = process.argv.indexOf('--case');
  if (caseIndex >= 0) {
    const result = await runCase(process.argv[caseIndex + 1]!);
    console.log(`#result ${JSON.stringify(result)}`);
    process.exit(0);
  } else {
    await runStreamTextBench();
  }
}
