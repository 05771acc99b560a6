import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codePointStarts, graphemeStarts, isRevealPoint } from '../../src/core/graphemes.js';
import { TextStream, type FrameScheduler } from '../../src/core/textStream.js';
import { DEFAULT_MAX_LAG, TextReveal } from '../../src/core/textReveal.js';
import { until } from '../helpers/sseServer.js';

/** Grapheme-heavy pieces: what breaks naive typewriters. */
const PIECES = [
  'Hello',
  ' world',
  ', ',
  '.\n\n',
  '\r\n',
  '你好',
  '世界',
  '。',
  'こんにちは',
  '안녕하세요',
  'สวัสดี',
  '👍🏽',
  '👩🏾‍💻',
  '👨‍👩‍👧‍👦',
  '🇫🇷',
  '🇯🇵🇺🇸',
  '🏴\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}',
  '❤️',
  '1️⃣',
  'cafe\u0301',
  'a\u0308\u0323',
  'naïve',
  '😀',
  ' ',
];

const textArb = fc
  .array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 40 })
  .map((pieces) => pieces.join(''));

/** Cuts `text` at random code-unit offsets: inside surrogate pairs, clusters and words alike. */
function cutAt(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const parts: string[] = [];
  let previous = 0;
  for (const point of [...points, text.length]) {
    if (point > previous) parts.push(text.slice(previous, point));
    previous = Math.max(previous, point);
  }
  return parts;
}

function boundariesOf(text: string): Set<number> {
  const set = new Set([text.length]);
  for (const { index } of new Intl.Segmenter().segment(text)) set.add(index);
  return set;
}

describe('graphemeStarts', () => {
  it('cuts only between user-perceived characters', () => {
    expect(graphemeStarts('a👍🏽b')).toEqual([1, 5]);
    expect(graphemeStarts('👨‍👩‍👧‍👦x')).toEqual([11]);
    expect(graphemeStarts('🇫🇷🇯🇵')).toEqual([4]);
    expect(graphemeStarts('e\u0301x', 0)).toEqual([2]);
    expect(graphemeStarts('abc', 1)).toEqual([2]);
  });

  it('the fallback for hosts without Intl.Segmenter cuts between code points, never inside a pair', () => {
    expect(codePointStarts('a👍b')).toEqual([1, 3]);
    fc.assert(
      fc.property(textArb, (text) => {
        const starts: number[] = [];
        let at = 0;
        for (const char of text) {
          if (at > 0) starts.push(at);
          at += char.length;
        }
        expect(codePointStarts(text)).toEqual(starts);
      }),
      { numRuns: 300 },
    );
  });

  it('a boundary before the last character stays one however the text goes on', () => {
    fc.assert(
      fc.property(textArb, fc.nat(), (text, cut) => {
        const prefix = text.slice(0, cut % (text.length + 1));
        const all = boundariesOf(text);
        for (const start of graphemeStarts(prefix)) expect(all.has(start)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('isRevealPoint', () => {
  it('stops at word ends with spaces, and at any character without', () => {
    expect(isRevealPoint('Hello world', 5)).toBe(true);
    expect(isRevealPoint('Hello world', 6)).toBe(true);
    expect(isRevealPoint('Hello world', 8)).toBe(false);
    expect(isRevealPoint('cafe\u0301s', 5)).toBe(false);
    expect(isRevealPoint('你好世界', 1)).toBe(true);
    expect(isRevealPoint('こんにちは', 2)).toBe(true);
    expect(isRevealPoint('a😀b', 1)).toBe(true);
  });
});

describe('TextReveal', () => {
  it('a first token shows at the next frame, but for its last character', () => {
    const reveal = new TextReveal();
    reveal.push('Hi there', 0);
    expect(reveal.frame(16)).toBe(true);
    expect(reveal.shownText).toBe('Hi '); // "there" may go on
    reveal.push(' friend', 20);
    reveal.frame(32);
    expect(reveal.shownText.startsWith('Hi there')).toBe(true);
    reveal.end();
    expect(reveal.shownText).toBe('Hi there friend');
  });

  it('pace false shows all that arrived but the last character at each frame', () => {
    const reveal = new TextReveal({ pace: false });
    reveal.push('one two thr', 0);
    reveal.frame(1);
    expect(reveal.shownText).toBe('one two th');
    expect(reveal.pending).toBe(false);
  });

  it('a burst after a steady stream is spread over the expected gap, not dumped', () => {
    const reveal = new TextReveal();
    let t = 0;
    for (let i = 0; i < 20; i++, t += 200) {
      reveal.push(` w${i}`, t);
      for (let f = t; f < t + 200; f += 16) reveal.frame(f);
    }
    const before = reveal.shown;
    const burst = Array.from({ length: 40 }, (_, i) => ` burst${i}`).join('');
    reveal.push(burst, t);
    const lengths: number[] = [];
    for (let f = t + 16; f < t + 200; f += 16) {
      reveal.frame(f);
      lengths.push(reveal.shown - before);
    }
    expect(lengths[0]!).toBeLessThan(burst.length / 3);
    expect(new Set(lengths).size).toBeGreaterThan(5);
    expect(lengths.at(-1)!).toBeGreaterThanOrEqual(burst.length - ' burst39'.length);
  });

  it('a long word is cut by the lag bound only, at a grapheme', () => {
    const reveal = new TextReveal({ maxLag: 200 });
    const word = 'x'.repeat(300);
    let t = 0;
    for (let i = 0; i < 10; i++, t += 100) {
      reveal.push(word.slice(i * 30, i * 30 + 30), t);
      reveal.frame(t + 1);
    }
    reveal.frame(t);
    // Arrived by t - 200 (the first 8 pushes) is shown; nothing of a word before that bound.
    expect(reveal.shown).toBeGreaterThanOrEqual(8 * 30);
    expect(reveal.shown).toBeLessThan(10 * 30);
  });

  it('property: no shown text ends inside a grapheme, none trails arrival past the bound, the end shows all', () => {
    fc.assert(
      fc.property(
        textArb,
        fc.array(fc.nat(), { maxLength: 60 }),
        fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 60, maxLength: 60 }),
        fc.boolean(),
        (text, cuts, gaps, pace) => {
          const tokens = cutAt(text, cuts);
          const boundaries = boundariesOf(text);
          const reveal = new TextReveal({ pace });
          const arrivals: { at: number; end: number }[] = [];
          let t = 0;
          let received = '';
          for (const [i, token] of tokens.entries()) {
            const next = t + gaps[i % gaps.length]!;
            reveal.push(token, t);
            received += token;
            arrivals.push({ at: t, end: received.length });
            for (let f = t + 16; f < next + 16; f += 16) {
              reveal.frame(f);
              const shown = reveal.shownText;
              expect(text.startsWith(shown)).toBe(true);
              expect(boundaries.has(shown.length)).toBe(true);
              // Whatever arrived maxLag ago is shown, except the held last grapheme.
              const due = arrivals.filter((a) => a.at <= f - DEFAULT_MAX_LAG).at(-1)?.end ?? 0;
              const starts = graphemeStarts(received);
              const safe = starts.length ? starts[starts.length - 1]! : 0;
              expect(shown.length).toBeGreaterThanOrEqual(Math.min(due, safe));
            }
            t = next;
          }
          reveal.end();
          expect(reveal.shownText).toBe(tokens.join(''));
          expect(reveal.shownText).toBe(text);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('TextStream over random network chunks', () => {
  function manualFrames() {
    const queue = new Map<number, () => void>();
    let next = 1;
    const frames: FrameScheduler = {
      request(callback) {
        queue.set(next, callback);
        return next++;
      },
      cancel(handle) {
        queue.delete(handle as number);
      },
    };
    return {
      frames,
      frame() {
        const due = [...queue.values()];
        queue.clear();
        for (const callback of due) callback();
      },
    };
  }

  it('property: tokens cut anywhere, SSE bytes cut anywhere: every published text is whole characters; the end is the tokens joined', async () => {
    await fc.assert(
      fc.asyncProperty(
        textArb,
        fc.array(fc.nat(), { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        async (text, tokenCuts, byteCuts) => {
          const tokens = cutAt(text, tokenCuts);
          const boundaries = boundariesOf(text);
          // JSON.stringify escapes a lone surrogate (\ud83d), as model APIs do.
          const body = new TextEncoder().encode(
            tokens
              .map(
                (t, i) =>
                  `id: ${i}\ndata: ${JSON.stringify({ choices: [{ delta: { content: t } }] })}\n\n`,
              )
              .join('') + 'data: [DONE]\n\n',
          );
          const points = [...new Set(byteCuts.map((c) => c % body.length))].sort((a, b) => a - b);
          const clock = manualFrames();
          let now = 0;
          let closed = false;
          const fetchFn = (async () => {
            let i = 0;
            const edges = [0, ...points, body.length];
            const stream = new ReadableStream<Uint8Array>({
              async pull(controller) {
                // One network read per pull, a frame (or none) between reads.
                await new Promise((r) => setTimeout(r, 0));
                now += 7;
                clock.frame();
                if (i >= edges.length - 1) {
                  if (!closed) controller.close();
                  closed = true;
                  return;
                }
                controller.enqueue(body.slice(edges[i], edges[i + 1]));
                i++;
              },
            });
            return new Response(stream, { headers: { 'Content-Type': 'text/event-stream' } });
          }) as unknown as typeof fetch;
          const stream = new TextStream({ frames: clock.frames, now: () => now, storage: null });
          const published: string[] = [];
          stream.subscribe(() => published.push(stream.getSnapshot().text));
          stream.start('http://test.local/chat', { fetch: fetchFn });
          await until(() => stream.getSnapshot().status !== 'streaming', 5000, 'the end');
          expect(stream.getSnapshot().status).toBe('done');
          expect(stream.getSnapshot().text).toBe(tokens.join(''));
          for (const shown of published) {
            expect(text.startsWith(shown)).toBe(true);
            expect(boundaries.has(shown.length)).toBe(true);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
