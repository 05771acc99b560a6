/**
 * Deterministic SSE streams for the benches: the same seed gives the same bytes on every run.
 */

import { prng } from '../test/helpers/prng.js';

export { prng };

/** A generated stream and what a parser must find in it. */
export interface BenchStream {
  name: string;
  bytes: Uint8Array;
  /** Number of events with data. */
  events: number;
}

// Short tokens as a chat model streams them: mostly ASCII words and punctuation (with JSON
// escapes), sometimes a non-ASCII one (typographic quotes and dashes, accents, emoji, CJK).
const ASCII_TOKENS = [
  ' the',
  ' a',
  ' of',
  ' and',
  ' to',
  ' in',
  ' is',
  ' that',
  ' it',
  ' for',
  ' on',
  ' with',
  ' as',
  ' you',
  ' can',
  ' this',
  ' be',
  ' are',
  ' or',
  ' by',
  ' an',
  ' we',
  ' use',
  ' not',
  ' stream',
  ' event',
  ' server',
  ' data',
  ' React',
  ' hook',
  ' render',
  ' token',
  ' state',
  ' connection',
  ' browser',
  ' function',
  ' return',
  ' value',
  ' example',
  ' code',
  ' when',
  'ing',
  'ed',
  's',
  'ly',
  'er',
  '.',
  ',',
  ':',
  ';',
  ' (',
  ')',
  '`',
  ' `',
  '\\n',
  '\\n\\n',
  ' \\"',
  '\\"',
  ' -',
  ' 1',
  '2',
  ' 42',
  ' Hello',
  ' world',
  '!',
  '?',
  ' I',
  "'s",
  ' **',
];
const NON_ASCII_TOKENS = [
  ' é',
  '’',
  ' —',
  ' “',
  '”',
  ' café',
  ' naïve',
  '…',
  ' 🚀',
  ' 你好',
  ' über',
  ' €',
];

/**
 * An LLM token stream: many small OpenAI-style chunks of one short token each, about
 * `targetBytes` long, ending with `data: [DONE]`. `nonAscii` is the share of tokens that are not
 * ASCII (0.02 for English text; more for other languages).
 */
export function llmTokenStream(
  targetBytes = 5 * 1024 * 1024,
  seed = 1,
  nonAscii = 0.02,
  name = 'LLM tokens',
): BenchStream {
  const rand = prng(seed);
  const parts: string[] = [];
  let size = 0;
  let events = 0;
  while (size < targetBytes) {
    const list = rand() < nonAscii ? NON_ASCII_TOKENS : ASCII_TOKENS;
    const token = list[Math.floor(rand() * list.length)] ?? ' ';
    const line =
      'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,' +
      `"delta":{"content":"${token}"}}]}\n\n`;
    parts.push(line);
    size += line.length;
    events++;
  }
  parts.push('data: [DONE]\n\n');
  events++;
  return { name, bytes: new TextEncoder().encode(parts.join('')), events };
}

const EVENT_NAMES = ['notification', 'alert', 'update', 'message'] as const;

/**
 * A dashboard stream: events of about 1 KB of JSON each, with an `id:` and an `event:` name
 * (`message` events carry no `event:` field, as servers usually send them), about `targetBytes`.
 */
export function dashboardStream(targetBytes = 10 * 1024 * 1024, seed = 2): BenchStream {
  const rand = prng(seed);
  const parts: string[] = [];
  let size = 0;
  let events = 0;
  while (size < targetBytes) {
    const name = EVENT_NAMES[Math.floor(rand() * EVENT_NAMES.length)] ?? 'message';
    const widget = `w${Math.floor(rand() * 64)}`;
    const status = rand() < 0.9 ? 'ok' : 'degraded';
    const series: number[] = [];
    const labels: string[] = [];
    // About 1 KB of JSON: a fixed head, then series values (~7 chars each) and labels.
    let length = 120;
    while (length < 1000) {
      const value = Math.round(rand() * 1e6) / 100;
      series.push(value);
      length += String(value).length + 1;
      if (series.length % 8 === 0) {
        const label = `widget-${Math.floor(rand() * 1000)}`;
        labels.push(label);
        length += label.length + 3;
      }
    }
    const ts = 1_700_000_000_000 + events * 250;
    const json = JSON.stringify({ widget, kind: name, ts, status, labels, series });
    const head = name === 'message' ? '' : `event: ${name}\n`;
    const block = `id: ${events + 1}\n${head}data: ${json}\n\n`;
    parts.push(block);
    size += block.length;
    events++;
  }
  return { name: 'dashboard', bytes: new TextEncoder().encode(parts.join('')), events };
}

/** Splits `bytes` into chunks of random sizes in [min, max] (views, not copies). */
export function randomChunks(bytes: Uint8Array, seed = 3, min = 1, max = 4096): Uint8Array[] {
  const rand = prng(seed);
  const chunks: Uint8Array[] = [];
  let i = 0;
  while (i < bytes.length) {
    const size = min + Math.floor(rand() * (max - min + 1));
    chunks.push(bytes.subarray(i, Math.min(i + size, bytes.length)));
    i += size;
  }
  return chunks;
}

/** Decodes chunks with one streaming TextDecoder, as a fetch body reader would. */
export function decodeChunks(chunks: readonly Uint8Array[]): string[] {
  const decoder = new TextDecoder();
  const out = chunks.map((chunk) => decoder.decode(chunk, { stream: true }));
  const tail = decoder.decode();
  if (tail !== '') out.push(tail);
  return out;
}
