/**
 * Differential test: `createParser` against the reference parser written from the WHATWG text,
 * on seeded random streams that use every field and every awkward input (BOM, CR/LF/CRLF mixes,
 * NUL in ids, invalid UTF-8, multi-byte characters), each fed whole, in random chunks and one
 * unit at a time, as text and as bytes.
 */
import { describe, expect, it } from 'vitest';
import { createParser, type Parser } from 'sse-hooks/core';
import { prng } from '../helpers/prng.js';
import { referenceParse, type Entry } from './referenceParser.js';

const STREAMS = 10_000;

type Piece = string | number[];

// Bytes that are not valid UTF-8 on their own: a byte never used, a stray continuation byte,
// truncated sequences, an overlong encoding and an encoded surrogate.
const INVALID: number[][] = [
  [0xff],
  [0x80],
  [0xe2, 0x82],
  [0xf0, 0x9f, 0x98],
  [0xc0, 0x80],
  [0xed, 0xa0, 0x80],
];
const NAMES = ['data', 'data', 'data', 'event', 'id', 'retry', 'dat', 'Data', 'datas', 'x', ''];
const TEXT = [
  'a',
  'hello',
  ' ',
  ':',
  'é',
  '€',
  '𝄞',
  '你好',
  '🚀',
  '\u0000',
  '\uFEFF',
  'ÿ',
  '\t',
  '12',
];
const RETRY = ['1000', '0', '007', '', ' 5', '5 ', '-1', '1.5', '١٢', 'x'];
const ENDINGS = ['\n', '\n', '\r', '\r\n'];

/** One random stream, as pieces of text (UTF-8 encoded) and raw bytes. */
function generate(rand: () => number): Piece[] {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const value = (): Piece[] => {
    const out: Piece[] = [];
    const n = Math.floor(rand() * 4);
    for (let i = 0; i < n; i++) out.push(rand() < 0.12 ? pick(INVALID) : pick(TEXT));
    return out;
  };
  const pieces: Piece[] = [];
  if (rand() < 0.2) pieces.push(rand() < 0.5 ? '\uFEFF' : [0xef, 0xbb, 0xbf]);
  const lines = 1 + Math.floor(rand() * 14);
  for (let i = 0; i < lines; i++) {
    const r = rand();
    if (r < 0.25) {
      // a blank line: dispatch
    } else if (r < 0.32) {
      pieces.push(':', ...value());
    } else {
      const name = pick(NAMES);
      pieces.push(name);
      if (name === 'retry' && rand() < 0.7) pieces.push(rand() < 0.5 ? ':' : ': ', pick(RETRY));
      else if (rand() < 0.85) pieces.push(pick([':', ': ', ':  ']), ...value());
    }
    pieces.push(pick(ENDINGS));
  }
  if (rand() < 0.3) pieces.push(...value()); // an unterminated last line
  return pieces;
}

function toBytes(pieces: Piece[]): Uint8Array {
  const encoder = new TextEncoder();
  const parts = pieces.map((p) => (typeof p === 'string' ? encoder.encode(p) : Uint8Array.from(p)));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function run(chunks: Array<string | Uint8Array>, maxBufferSize?: number, lastEventId?: string) {
  const log: Entry[] = [];
  const parser: Parser = createParser(
    {
      onEvent: (e) => log.push(['event', e.type, e.data, e.lastEventId]),
      onRetry: (ms) => log.push(['retry', ms]),
      onComment: (c) => log.push(['comment', c]),
      onLastEventId: (id) => log.push(['id', id]),
      onError: (error) => log.push(['error', error.code]),
    },
    maxBufferSize === undefined ? undefined : { maxBufferSize },
  );
  if (lastEventId !== undefined) parser.reset(lastEventId);
  for (const chunk of chunks) parser.feed(chunk);
  parser.end();
  return log;
}

function randomChunks<T extends string | Uint8Array>(input: T, rand: () => number): T[] {
  const max = [2, 5, 17, 64][Math.floor(rand() * 4)] as number;
  const out: T[] = [];
  for (let i = 0; i < input.length;) {
    const size = Math.floor(rand() * (max + 1)); // empty chunks included
    out.push(input.slice(i, i + size) as T);
    i += size;
  }
  return out;
}

function units<T extends string | Uint8Array>(input: T): T[] {
  const out: T[] = [];
  for (let i = 0; i < input.length; i++) out.push(input.slice(i, i + 1) as T);
  return out;
}

describe('createParser against the reference parser', () => {
  it(`agrees on ${STREAMS.toLocaleString('en-US')} random streams, every way they are fed`, () => {
    const mismatches: string[] = [];
    let compared = 0;
    for (let seed = 1; seed <= STREAMS; seed++) {
      const rand = prng(seed);
      const pieces = generate(rand);
      const bytes = toBytes(pieces);
      // The same stream as text: what a decoder that keeps the BOM makes of the bytes.
      const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
      // Every fourth stream runs under a small limit; those end with a line ending, so the
      // decoder's held-back bytes of an unfinished sequence never stand at the very end.
      const limited = seed % 4 === 0;
      const maxBufferSize = limited ? 4 + Math.floor(rand() * 40) : undefined;
      const lastEventId = rand() < 0.1 ? 'resumed-é' : undefined;
      const input = limited
        ? { bytes: toBytes([...pieces, '\n']), text: `${text}\n` }
        : { bytes, text };
      const options = { maxBufferSize, lastEventId };
      const expectedBytes = referenceParse(input.bytes, options);
      const expectedText = referenceParse(input.text, options);
      const feeds: Array<[string, Array<string | Uint8Array>, Entry[]]> = [
        ['bytes whole', [input.bytes], expectedBytes],
        ['bytes random', randomChunks(input.bytes, rand), expectedBytes],
        ['bytes one at a time', units(input.bytes), expectedBytes],
        ['text whole', [input.text], expectedText],
        ['text random', randomChunks(input.text, rand), expectedText],
        ['text one at a time', units(input.text), expectedText],
      ];
      for (const [label, chunks, expected] of feeds) {
        compared++;
        const actual = run(chunks, maxBufferSize, lastEventId);
        if (JSON.stringify(actual) !== JSON.stringify(expected) && mismatches.length < 5) {
          mismatches.push(
            `seed ${seed}, ${label}, max ${maxBufferSize}: ${JSON.stringify(input.text)}\n` +
              `  expected ${JSON.stringify(expected)}\n  actual   ${JSON.stringify(actual)}`,
          );
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(compared).toBe(STREAMS * 6);
  });

  it('is a reference that can tell parsers apart', () => {
    // The reference is not vacuous: it follows the spec on cases a sloppy parser gets wrong.
    expect(referenceParse('data: a\r\ndata: b\r\n\r\n')).toEqual([
      ['event', 'message', 'a\nb', ''],
    ]);
    expect(referenceParse('data\n\nid: 1\u00002\ndata:x\r\r')).toEqual([
      ['event', 'message', '', ''],
      ['event', 'message', 'x', ''],
    ]);
    expect(
      referenceParse(new Uint8Array([0xef, 0xbb, 0xbf, 0x64, 0x61, 0x74, 0x61, 0x0a, 0x0a])),
    ).toEqual([['event', 'message', '', '']]);
    expect(referenceParse('data: 123456\n\n', { maxBufferSize: 10 })).toEqual([
      ['error', 'buffer-overflow'],
    ]);
  });
});
