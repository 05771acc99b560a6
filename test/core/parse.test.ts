import { describe, it, expect } from 'vitest';
import {
  createParser,
  DEFAULT_MAX_BUFFER_SIZE,
  type ParserCallbacks,
  type ParserOptions,
} from '../../src/core/parse.js';
import { SSEError } from 'sse-hooks/core';
import { prng } from '../helpers/prng.js';

// What a parser reported, in order: one entry per callback.
type Entry =
  | ['event', string, string, string] // type, data, lastEventId
  | ['retry', number]
  | ['comment', string]
  | ['id', string]
  | ['error', string | undefined];

function recorder(): { log: Entry[]; callbacks: ParserCallbacks } {
  const log: Entry[] = [];
  return {
    log,
    callbacks: {
      onEvent: (e) => log.push(['event', e.type, e.data, e.lastEventId]),
      onRetry: (ms) => log.push(['retry', ms]),
      onComment: (c) => log.push(['comment', c]),
      onLastEventId: (id) => log.push(['id', id]),
      onError: (error) => log.push(['error', error.code]),
    },
  };
}

function run(chunks: ReadonlyArray<string | Uint8Array>, options?: ParserOptions): Entry[] {
  const { log, callbacks } = recorder();
  const parser = createParser(callbacks, options);
  for (const chunk of chunks) parser.feed(chunk);
  parser.end();
  return log;
}

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

function concatBytes(...parts: Array<Uint8Array | number[] | string>): Uint8Array {
  const arrays = parts.map((p) =>
    typeof p === 'string' ? encode(p) : p instanceof Uint8Array ? p : Uint8Array.from(p),
  );
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}

/** Random chunk sizes in [0, max] (empty chunks included on purpose). */
function randomSplit<T extends string | Uint8Array>(input: T, seed: number, max: number): T[] {
  const rand = prng(seed);
  const out: T[] = [];
  let i = 0;
  while (i < input.length) {
    const size = Math.floor(rand() * (max + 1));
    out.push(input.slice(i, i + size) as T);
    i += size;
  }
  return out;
}

/** (a) whole, (b) two chunks split at every position, (c) one unit at a time, (d) random. */
function splits<T extends string | Uint8Array>(input: T): Array<[label: string, chunks: T[]]> {
  const out: Array<[string, T[]]> = [['whole', [input]]];
  for (let i = 0; i <= input.length; i++) {
    out.push([`split at ${i}`, [input.slice(0, i) as T, input.slice(i) as T]]);
  }
  const units: T[] = [];
  for (let i = 0; i < input.length; i++) units.push(input.slice(i, i + 1) as T);
  out.push(['one at a time', units]);
  for (let seed = 1; seed <= 12; seed++) {
    out.push([`random seed ${seed}`, randomSplit(input, seed, seed <= 6 ? 4 : 17)]);
  }
  return out;
}

/** Feeds `input` as text and as UTF-8 bytes, split every way, and expects `expected` each time. */
function expectEverySplit(input: string, expected: Entry[], options?: ParserOptions): void {
  for (const [label, chunks] of splits(input)) {
    expect(run(chunks, options), `text, ${label}`).toEqual(expected);
  }
  expectEveryByteSplit(encode(input), expected, options);
}

function expectEveryByteSplit(input: Uint8Array, expected: Entry[], options?: ParserOptions) {
  for (const [label, chunks] of splits(input)) {
    expect(run(chunks, options), `bytes, ${label}`).toEqual(expected);
  }
}

const message = (data: string, lastEventId = ''): Entry => ['event', 'message', data, lastEventId];

describe('createParser: fields', () => {
  it('dispatches a data line on a blank line, as type "message"', () => {
    expectEverySplit('data: hello\n\n', [message('hello')]);
  });

  it('joins data lines with LF and drops only the final LF', () => {
    expectEverySplit('data: a\ndata: b\ndata: c\n\n', [message('a\nb\nc')]);
    expectEverySplit('data: a\ndata:\n\n', [message('a\n')]);
    expectEverySplit('data:\ndata: a\n\n', [message('\na')]);
  });

  it('removes exactly one leading space from the value', () => {
    expectEverySplit('data:  two\n\n', [message(' two')]);
    expectEverySplit('data:none\n\n', [message('none')]);
    expectEverySplit('data: \n\n', [message('')]);
    expectEverySplit('data:\t tab\n\n', [message('\t tab')]);
    expectEverySplit('data: trailing \n\n', [message('trailing ')]);
  });

  it('keeps everything after the first colon in the value', () => {
    expectEverySplit('data: a:b: c\n\n', [message('a:b: c')]);
    expectEverySplit('data::x\n\n', [message(':x')]);
  });

  it('treats a line without a colon as a field name with an empty value', () => {
    expectEverySplit('data\n\n', [message('')]);
    expectEverySplit('data\ndata\n\n', [message('\n')]);
    expectEverySplit('data: x\nevent\n\n', [message('x')]);
  });

  it('dispatches an empty data value (the data buffer is not empty)', () => {
    expectEverySplit('data:\n\n', [message('')]);
  });

  it('does not dispatch when there is no data field', () => {
    expectEverySplit('event: nothing\n\n', []);
    expectEverySplit('\n\n\n', []);
    expectEverySplit('foo: bar\n\n', []);
  });

  it('uses the event field as the type and resets it after each dispatch', () => {
    expectEverySplit('event: ping\ndata: x\n\ndata: y\n\n', [
      ['event', 'ping', 'x', ''],
      message('y'),
    ]);
    // The last event field of the block wins; position relative to data does not matter.
    expectEverySplit('data: x\nevent: a\nevent: b\n\n', [['event', 'b', 'x', '']]);
  });

  it('resets the event type even when nothing is dispatched', () => {
    expectEverySplit('event: lost\n\ndata: y\n\n', [message('y')]);
  });

  it('falls back to "message" for an empty event field', () => {
    expectEverySplit('event:\ndata: x\n\n', [message('x')]);
    expectEverySplit('event\ndata: x\n\n', [message('x')]);
    expectEverySplit('event: \ndata: x\n\n', [message('x')]);
  });

  it('keeps the event type exactly, only one leading space removed', () => {
    expectEverySplit('event:  spaced \ndata: x\n\n', [['event', ' spaced ', 'x', '']]);
  });

  it('ignores unknown fields', () => {
    expectEverySplit('foo: bar\ndata: x\nbaz\n\n', [message('x')]);
  });

  it('matches field names case-sensitively and exactly', () => {
    expectEverySplit('Data: x\nDATA: y\nEvent: z\nID: 1\nRetry: 5\n\n', []);
    expectEverySplit('data : x\n data: y\n\n', []);
    expectEverySplit('dat: x\ndatas: y\nevents: z\nids: 1\n\n', []);
  });

  it('keeps NUL and other control characters in data', () => {
    expectEverySplit('data: a\u0000b\u0001\n\n', [message('a\u0000b\u0001')]);
  });
});

describe('createParser: comments', () => {
  it('reports the text after the colon as-is, leading space kept', () => {
    expectEverySplit(': hello\n', [['comment', ' hello']]);
    expectEverySplit(':hello\n', [['comment', 'hello']]);
    expectEverySplit(':\n', [['comment', '']]);
    expectEverySplit('::x: \n', [['comment', ':x: ']]);
  });

  it('does not end or change an event', () => {
    expectEverySplit('data: a\n: keep-alive\ndata: b\n\n', [
      ['comment', ' keep-alive'],
      message('a\nb'),
    ]);
  });

  it('works without an onComment callback', () => {
    const events: string[] = [];
    const parser = createParser({ onEvent: (e) => events.push(e.data) });
    parser.feed(': ping\ndata: x\n\n');
    expect(events).toEqual(['x']);
  });
});

describe('createParser: id', () => {
  it('sets the lastEventId of the event, and reports the change before the event', () => {
    expectEverySplit('id: 1\ndata: a\n\n', [['id', '1'], message('a', '1')]);
  });

  it('applies an id given after the data of the same block', () => {
    expectEverySplit('data: a\nid: 7\n\n', [['id', '7'], message('a', '7')]);
  });

  it('keeps the last event ID buffer across events and reports only changes', () => {
    expectEverySplit('id: 1\ndata: a\n\ndata: b\n\nid: 1\ndata: c\n\nid: 2\ndata: d\n\n', [
      ['id', '1'],
      message('a', '1'),
      message('b', '1'),
      message('c', '1'),
      ['id', '2'],
      message('d', '2'),
    ]);
  });

  it('ignores an id containing U+0000 NULL', () => {
    expectEverySplit('id: 1\ndata: a\n\nid: 2\u00003\ndata: b\n\n', [
      ['id', '1'],
      message('a', '1'),
      message('b', '1'),
    ]);
    expectEverySplit('id: \u0000\ndata: a\n\n', [message('a')]);
  });

  it('sets the buffer to empty for an empty id', () => {
    expectEverySplit('id: 1\ndata: a\n\nid\ndata: b\n\nid: 2\n\nid:\ndata: c\n\n', [
      ['id', '1'],
      message('a', '1'),
      ['id', ''],
      message('b', ''),
      ['id', '2'],
      ['id', ''],
      message('c', ''),
    ]);
  });

  it('updates the last event ID string at dispatch even when there is no data', () => {
    expectEverySplit('id: 5\n\n', [['id', '5']]);
    expectEverySplit('id: 5\n\ndata: x\n\n', [['id', '5'], message('x', '5')]);
  });

  it('does not report an id before the blank line', () => {
    expectEverySplit('id: 5\ndata: x\n', []);
  });

  it('keeps the id exactly (spaces, colons, unicode)', () => {
    expectEverySplit('id:  a: b é \ndata: x\n\n', [['id', ' a: b é '], message('x', ' a: b é ')]);
  });
});

describe('createParser: retry', () => {
  it('reports a value of ASCII digits', () => {
    expectEverySplit('retry: 1000\n', [['retry', 1000]]);
    expectEverySplit('retry:0\n', [['retry', 0]]);
    expectEverySplit('retry: 007\n', [['retry', 7]]);
  });

  it('ignores any other value', () => {
    for (const value of ['', ' ', '10a', '-1', '+1', '1.5', ' 10', '10 ', '1e3', '١٢', 'x']) {
      expectEverySplit(`retry:${value === '' ? '' : ' '}${value}\nretry\n`, []);
    }
  });

  it('does not end or change an event', () => {
    expectEverySplit('data: a\nretry: 5\ndata: b\n\n', [['retry', 5], message('a\nb')]);
  });
});

describe('createParser: line endings', () => {
  it('accepts LF, CR and CRLF, also mixed', () => {
    const expected = [message('a\nb'), message('c')];
    expectEverySplit('data: a\ndata: b\n\ndata: c\n\n', expected);
    expectEverySplit('data: a\rdata: b\r\rdata: c\r\r', expected);
    expectEverySplit('data: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n', expected);
    expectEverySplit('data: a\rdata: b\r\n\ndata: c\n\r', expected);
  });

  it('counts CRLF as one line ending, and LF CR as two', () => {
    expectEverySplit('data: a\r\ndata: b\r\n\r\n', [message('a\nb')]);
    expectEverySplit('data: a\n\rdata: b\n\n', [message('a'), message('b')]);
  });

  it('counts CR CR LF as two line endings', () => {
    expectEverySplit('data: a\r\r\ndata: b\r\n\r\n', [message('a'), message('b')]);
  });

  it('handles a CR at the end of one chunk and a LF at the start of the next as one', () => {
    expect(run(['data: a\r', '\ndata: b\r', '\n\r', '\n'])).toEqual([message('a\nb')]);
  });

  it('processes a line ended by a CR at the end of a chunk right away', () => {
    const { log, callbacks } = recorder();
    const parser = createParser(callbacks);
    parser.feed('data: a\r');
    parser.feed('\r');
    expect(log).toEqual([message('a')]);
    parser.feed('\n'); // the LF of a CRLF: not another blank line
    parser.feed(': c\r');
    expect(log).toEqual([message('a'), ['comment', ' c']]);
    parser.feed('\ndata: b\n\n');
    expect(log).toEqual([message('a'), ['comment', ' c'], message('b')]);
  });

  it('skips the LF of a CRLF split by empty chunks', () => {
    const { log, callbacks } = recorder();
    const parser = createParser(callbacks);
    parser.feed('data: a\r');
    parser.feed('');
    parser.feed(new Uint8Array(0));
    parser.feed('\n\n');
    expect(log).toEqual([message('a')]);
  });
});

describe('createParser: byte order mark', () => {
  it('strips one leading BOM, from text and from bytes', () => {
    expectEverySplit('\uFEFFdata: a\n\n', [message('a')]);
    expectEveryByteSplit(concatBytes([0xef, 0xbb, 0xbf], 'data: a\n\n'), [message('a')]);
  });

  it('strips only the first BOM', () => {
    // The second BOM becomes part of the field name "\uFEFFdata": an unknown field.
    expectEverySplit('\uFEFF\uFEFFdata: a\n\ndata: b\n\n', [message('b')]);
  });

  it('keeps a BOM that is not at the start of the stream', () => {
    expectEverySplit('data: a\n\n\uFEFFdata: b\n\ndata: \uFEFFc\n\n', [
      message('a'),
      message('\uFEFFc'),
    ]);
    expectEverySplit(': x\n\uFEFFdata: b\n\n', [['comment', ' x']]);
  });

  it('strips the BOM again after reset()', () => {
    const { log, callbacks } = recorder();
    const parser = createParser(callbacks);
    parser.feed('\uFEFFdata: a\n\n');
    parser.reset();
    parser.feed(concatBytes([0xef, 0xbb, 0xbf], 'data: b\n\n'));
    parser.reset();
    parser.feed(new Uint8Array([0xef]));
    parser.feed(new Uint8Array([0xbb]));
    parser.feed(new Uint8Array([0xbf]));
    parser.feed('data: c\n\n');
    expect(log).toEqual([message('a'), message('b'), message('c')]);
  });
});

describe('createParser: end of stream', () => {
  it('discards an unterminated final block', () => {
    expectEverySplit('data: a\n\ndata: b', [message('a')]);
    expectEverySplit('data: a\n\ndata: b\n', [message('a')]);
    expectEverySplit('data: a\n\nevent: x\ndata: b\nid: 3\n', [message('a')]);
  });

  it('discards an unterminated last line, whatever it is', () => {
    expectEverySplit(': c', []);
    expectEverySplit('retry: 5', []);
  });

  it('starts clean after end()', () => {
    const { log, callbacks } = recorder();
    const parser = createParser(callbacks);
    parser.feed('data: lost\ndata: lost');
    parser.end();
    parser.feed('\ndata: b\n\n');
    expect(log).toEqual([message('b')]);
  });

  it('flushes an unfinished UTF-8 sequence without dispatching it', () => {
    const { log, callbacks } = recorder();
    const parser = createParser(callbacks);
    parser.feed(concatBytes('data: a\n\ndata: ', [0xe2, 0x82]));
    parser.end();
    expect(log).toEqual([message('a')]);
  });
});

describe('createParser: UTF-8', () => {
  it('decodes multi-byte characters split anywhere across chunks', () => {
    const text = 'é€𝄞 你好 🚀 ÿ';
    expectEverySplit(`event: ünï\ndata: ${text}\nid: 𝄞\n\n`, [
      ['id', '𝄞'],
      ['event', 'ünï', text, '𝄞'],
    ]);
  });

  it('turns invalid bytes into U+FFFD like a WHATWG decoder', () => {
    const bytes = concatBytes(
      'data: ',
      [0xff], // never valid
      [0x80], // stray continuation byte
      'a',
      [0xe2, 0x82], // truncated 3-byte sequence
      'b',
      [0xc0, 0x80], // overlong encoding
      [0xed, 0xa0, 0x80], // surrogate
      [0xf0, 0x9f, 0x98], // truncated 4-byte sequence before the line ending
      '\n\n',
    );
    const data = '\uFFFD\uFFFDa\uFFFDb\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD';
    // The reference decoder agrees.
    expect(new TextDecoder().decode(bytes)).toBe(`data: ${data}\n\n`);
    expectEveryByteSplit(bytes, [message(data)]);
  });

  it('turns a truncated sequence before a line ending into one U+FFFD', () => {
    expectEveryByteSplit(concatBytes('data: ', [0xf0, 0x9f], '\r\rdata: ', [0xe2], '\n\n'), [
      message('\uFFFD'),
      message('\uFFFD'),
    ]);
  });

  it('decodes text that switches between ASCII and other characters', () => {
    const rand = prng(99);
    const pieces = ['plain ascii ', 'é', '€', '𝄞', '你好', ' more ascii text ', '\n'];
    let text = '';
    const events: Entry[] = [];
    for (let i = 0; i < 200; i++) {
      let data = '';
      const n = 1 + Math.floor(rand() * 6);
      for (let j = 0; j < n; j++) data += pieces[Math.floor(rand() * (pieces.length - 1))];
      text += `data: ${data}\n\n`;
      events.push(message(data));
    }
    const bytes = encode(text);
    for (let seed = 1; seed <= 20; seed++) {
      expect(run(randomSplit(bytes, seed, 1 + seed * 7)), `seed ${seed}`).toEqual(events);
    }
    expect(run([bytes])).toEqual(events);
  });

  it('decodes large chunks of non-ASCII text, invalid bytes included, exactly', () => {
    // Chunks over 8 KB after a non-ASCII one are decoded in pieces: every cut must leave
    // the text as one decoder would produce it, whatever sits at the cut.
    const rand = prng(7);
    const units: Array<string | number[]> = [
      'a',
      'é',
      '€',
      '𝄞',
      '你',
      ' ',
      [0xff],
      [0x80],
      [0xe2, 0x82],
      [0xf0, 0x9f, 0x98],
      [0xc0, 0x80],
      [0x80, 0x80, 0x80, 0x80, 0x80],
    ];
    const parts: Array<string | number[]> = ['data: é'];
    for (let i = 0; i < 20_000; i++) parts.push(units[Math.floor(rand() * units.length)]!);
    parts.push('\n\n');
    const bytes = concatBytes(...parts);
    const expected = new TextDecoder().decode(bytes).slice(6, -2);
    for (const size of [2048, 8192, 8193, 10_000, 65536]) {
      const chunks: Uint8Array[] = [bytes.subarray(0, 8)]; // a first non-ASCII chunk
      for (let i = 8; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      expect(run(chunks), `chunks of ${size} B`).toEqual([message(expected)]);
    }
  });

  it('keeps a U+FFFD that the stream itself sends at the end of a chunk', () => {
    // A chunk whose text ends in U+FFFD is looked at twice: sent as such, it stays one character.
    expect(run([encode('data: a\uFFFD'), encode('b\n\n')])).toEqual([message('a\uFFFDb')]);
    expect(run([encode('data: a\uFFFD'), encode('\uFFFD\n\n')])).toEqual([
      message('a\uFFFD\uFFFD'),
    ]);
  });

  it('ends held-back bytes with U+FFFD when text input follows', () => {
    const { log, callbacks } = recorder();
    const parser = createParser(callbacks);
    parser.feed(concatBytes('data: ', [0xe2, 0x82]));
    parser.feed('x\n\n');
    expect(log).toEqual([message('\uFFFDx')]);
  });

  it('ends held-back bytes with U+FFFD when text follows non-ASCII bytes', () => {
    const { log, callbacks } = recorder();
    const parser = createParser(callbacks);
    parser.feed(concatBytes('data: é', [0xe2, 0x82]));
    parser.feed('x\n\n');
    expect(log).toEqual([message('é\uFFFDx')]);
  });

  it('accepts text and bytes mixed in one stream', () => {
    const { log, callbacks } = recorder();
    const parser = createParser(callbacks);
    parser.feed('data: a');
    parser.feed(encode('é\r'));
    parser.feed('\ndata: ');
    parser.feed(concatBytes([0xf0, 0x9d]));
    parser.feed(concatBytes([0x84, 0x9e], '\n\n'));
    expect(log).toEqual([message('aé\n𝄞')]);
  });
});

describe('createParser: a realistic stream', () => {
  const stream =
    ': welcome\r\n' +
    'retry: 3000\r\n' +
    '\r\n' +
    'id: 1\r\n' +
    'event: notification\r\n' +
    'data: {"text":"héllo"}\r\n' +
    '\r\n' +
    'data: line 1\n' +
    'data: line 2\n' +
    '\n' +
    'id\r' +
    'event: alert\r' +
    'data:\r' +
    '\r' +
    'data: unterminated';

  it('gives the same callbacks at every split, as text and as bytes', () => {
    expectEverySplit(stream, [
      ['comment', ' welcome'],
      ['retry', 3000],
      ['id', '1'],
      ['event', 'notification', '{"text":"héllo"}', '1'],
      message('line 1\nline 2', '1'),
      ['id', ''],
      ['event', 'alert', '', ''],
    ]);
  });
});

describe('createParser: last event ID across streams', () => {
  it('starts each stream with an empty buffer by default', () => {
    const { log, callbacks } = recorder();
    const parser = createParser(callbacks);
    parser.feed('id: 7\ndata: a\n\n');
    parser.reset();
    parser.feed('data: b\n\nid: 8\ndata: c\n\n');
    expect(log).toEqual([
      ['id', '7'],
      message('a', '7'),
      message('b'),
      ['id', '8'],
      message('c', '8'),
    ]);
  });

  it('starts from the ID given to reset()', () => {
    const { log, callbacks } = recorder();
    const parser = createParser(callbacks);
    parser.reset('41');
    parser.feed('data: a\n\nid\n\ndata: b\n\nid: 42\ndata: c\n\n');
    expect(log).toEqual([
      message('a', '41'),
      ['id', ''],
      message('b', ''),
      ['id', '42'],
      message('c', '42'),
    ]);
  });
});

describe('createParser: reset()', () => {
  it('clears the pending line, data, event type and CR state', () => {
    const { log, callbacks } = recorder();
    const parser = createParser(callbacks);
    parser.feed('event: x\ndata: a\ndata: par');
    parser.reset();
    parser.feed('tial\n\n');
    expect(log).toEqual([]); // "tial" is a field name now: unknown
    parser.feed('data: b\r');
    parser.reset();
    parser.feed('\n\ndata: c\n\n');
    expect(log).toEqual([message('c')]);
  });

  it('clears held-back bytes of an unfinished UTF-8 sequence', () => {
    const { log, callbacks } = recorder();
    const parser = createParser(callbacks);
    parser.feed(new Uint8Array([0xe2, 0x82]));
    parser.reset();
    parser.feed('data: a\n\n');
    expect(log).toEqual([message('a')]);
  });
});

describe('createParser: throwing callbacks', () => {
  it('lets the exception out and parses the rest of the chunk at the next feed', () => {
    const seen: string[] = [];
    const parser = createParser({
      onEvent(e) {
        seen.push(e.data);
        if (e.data === 'a' || e.data === 'c') throw new Error(`boom ${e.data}`);
      },
    });
    expect(() => parser.feed('data: a\n\ndata: b\n\ndata: c\r')).toThrow('boom a');
    expect(seen).toEqual(['a']);
    expect(() => parser.feed('\r')).toThrow('boom c');
    expect(seen).toEqual(['a', 'b', 'c']);
    parser.feed('\ndata: d\n\n'); // the LF belongs to the CR above
    expect(seen).toEqual(['a', 'b', 'c', 'd']);
  });

  it('handles each line once when a comment or retry callback throws', () => {
    const log: string[] = [];
    let fail = true;
    const parser = createParser({
      onEvent: (e) => log.push(`event ${e.data}`),
      onComment(c) {
        log.push(`comment${c}`);
        if (fail) throw new Error('comment');
      },
      onRetry(ms) {
        log.push(`retry ${ms}`);
        if (fail) throw new Error('retry');
      },
    });
    expect(() => parser.feed(': one\nretry: 5\ndata: x\n\n')).toThrow('comment');
    expect(() => parser.feed('')).toThrow('retry');
    fail = false;
    parser.feed('');
    expect(log).toEqual(['comment one', 'retry 5', 'event x']);
  });

  it('parses what is left at end()', () => {
    const seen: string[] = [];
    const parser = createParser({
      onEvent(e) {
        seen.push(e.data);
        if (e.data === 'a') throw new Error('boom');
      },
    });
    expect(() => parser.feed('data: a\n\ndata: b\n\ndata: c')).toThrow('boom');
    parser.end();
    expect(seen).toEqual(['a', 'b']);
  });

  it('keeps state consistent when the onLastEventId callback throws', () => {
    const seen: string[] = [];
    const parser = createParser({
      onEvent: (e) => seen.push(`${e.data}@${e.lastEventId}`),
      onLastEventId(id) {
        if (id === '1') throw new Error('id');
      },
    });
    expect(() => parser.feed('id: 1\ndata: a\n\ndata: b\n\n')).toThrow('id');
    parser.feed('data: c\n\n');
    expect(seen).toEqual(['b@1', 'c@1']);
  });

  it('parses text fed from a callback after the rest of the current chunk', () => {
    const seen: string[] = [];
    const parser = createParser({
      onEvent(e) {
        seen.push(e.data);
        if (e.data === 'a') parser.feed('data: c\n');
        if (e.data === 'c') parser.feed(encode('data: d\n\n'));
      },
    });
    parser.feed('data: a\n\ndata: b\n\n');
    expect(seen).toEqual(['a', 'b']);
    parser.feed('\n');
    expect(seen).toEqual(['a', 'b', 'c', 'd']);
  });

  it('keeps text fed from a callback when a later callback throws', () => {
    const seen: string[] = [];
    const parser = createParser({
      onEvent(e) {
        seen.push(e.data);
        if (e.data === 'a') parser.feed('data: c\n\n');
        if (e.data === 'b') throw new Error('b');
      },
    });
    expect(() => parser.feed('data: a\n\ndata: b\n\ndata: x\n\n')).toThrow('b');
    parser.feed('');
    expect(seen).toEqual(['a', 'b', 'x', 'c']);
  });

  it('stops parsing the chunk when a callback calls reset() or end()', () => {
    const seen: string[] = [];
    const parser = createParser({
      onEvent(e) {
        seen.push(e.data);
        if (e.data === 'reset') parser.reset();
        if (e.data === 'end') parser.end();
      },
    });
    parser.feed('data: reset\n\ndata: dropped\n\n');
    parser.feed('data: end\n\ndata: dropped\n\n');
    parser.feed('data: after\n\n');
    expect(seen).toEqual(['reset', 'end', 'after']);
  });
});

describe('createParser: buffer limit', () => {
  function overflowCase(
    options: ParserOptions,
    feed: (p: ReturnType<typeof createParser>) => void,
  ) {
    const errors: SSEError[] = [];
    const events: string[] = [];
    const parser = createParser(
      { onEvent: (e) => events.push(e.data), onError: (e) => errors.push(e) },
      options,
    );
    expect(() => feed(parser)).not.toThrow();
    return { errors, events, parser };
  }

  it('reports a typed error when a pending line grows past the limit, then ignores input', () => {
    const { errors, events, parser } = overflowCase({ maxBufferSize: 100 }, (p) => {
      p.feed('data: ok\n\n');
      for (let i = 0; i < 30; i++) p.feed(': 123456789');
      p.feed('\ndata: ignored\n\n');
    });
    expect(events).toEqual(['ok']);
    expect(errors).toHaveLength(1);
    const error = errors[0] as SSEError;
    expect(error).toBeInstanceOf(SSEError);
    expect(error.type).toBe('parse');
    expect(error.code).toBe('buffer-overflow');
    expect(error.message).toContain('100');
    parser.feed('data: still ignored\n\n');
    parser.end();
    expect(events).toEqual(['ok']);
    expect(errors).toHaveLength(1);
    parser.reset();
    parser.feed('data: recovered\n\n');
    expect(events).toEqual(['ok', 'recovered']);
  });

  it('reports at once when one chunk leaves a too long unterminated line', () => {
    const { errors } = overflowCase({ maxBufferSize: 10 }, (p) => {
      p.feed('data: x\n\n: 1234567890');
    });
    expect(errors).toHaveLength(1);
  });

  it('reports when the data buffer grows past the limit, even from complete lines', () => {
    const { errors, events, parser } = overflowCase({ maxBufferSize: 100 }, (p) => {
      p.feed('data: 0123456789012345678901234567890123456789\n'.repeat(3) + '\n');
    });
    expect(events).toEqual([]);
    expect(errors.map((e) => e.code)).toEqual(['buffer-overflow']);
    parser.reset();
    parser.feed('data: recovered\n\n');
    expect(events).toEqual(['recovered']);
  });

  it('reports a too long one-line event', () => {
    const { errors, events } = overflowCase({ maxBufferSize: 10 }, (p) => {
      p.feed('data: 12345678901\n\n');
    });
    expect(events).toEqual([]);
    expect(errors).toHaveLength(1);
  });

  it('counts the pending line and the data buffer together', () => {
    const { errors } = overflowCase({ maxBufferSize: 20 }, (p) => {
      p.feed('data: 1234567890\ndata: 1234');
      p.feed('5678901');
    });
    expect(errors).toHaveLength(1);
  });

  it('allows events up to the limit', () => {
    const data = 'x'.repeat(100);
    const { errors, events } = overflowCase({ maxBufferSize: 106 }, (p) => {
      for (const chunk of randomSplit(`data: ${data}\n\ndata: ${data}\n\n`, 5, 9)) p.feed(chunk);
    });
    expect(errors).toEqual([]);
    expect(events).toEqual([data, data]);
  });

  it('does not throw without an onError callback', () => {
    const parser = createParser({ onEvent: () => undefined }, { maxBufferSize: 4 });
    expect(() => parser.feed('data: too long\n\n')).not.toThrow();
  });

  it('defaults to 4 MiB', () => {
    expect(DEFAULT_MAX_BUFFER_SIZE).toBe(4 * 1024 * 1024);
    const { errors, events } = overflowCase({}, (p) => {
      p.feed(`data: ${'x'.repeat(DEFAULT_MAX_BUFFER_SIZE - 6)}\n\n`);
      p.feed(`data: ${'x'.repeat(DEFAULT_MAX_BUFFER_SIZE - 5)}\n\n`);
    });
    expect(events.map((e) => e.length)).toEqual([DEFAULT_MAX_BUFFER_SIZE - 6]);
    expect(errors.map((e) => e.code)).toEqual(['buffer-overflow']);
  });

  it('counts every line, whatever its field, comments included', () => {
    for (const line of [': comment', 'event: abcdefghij', 'id: abcdefghijk', 'foo: barbazqux']) {
      const { errors } = overflowCase({ maxBufferSize: 12 }, (p) => p.feed(`${line}\n`));
      expect(errors, line).toHaveLength(line.length > 12 ? 1 : 0);
    }
  });

  it('overflows on one endless line fed a byte at a time', () => {
    const { log, callbacks } = recorder();
    const parser = createParser(callbacks, { maxBufferSize: 1000 });
    const byte = new Uint8Array([0x78]);
    parser.feed('data: ');
    for (let i = 0; i < 994; i++) parser.feed(byte);
    expect(log).toEqual([]);
    parser.feed(byte);
    expect(log).toEqual([['error', 'buffer-overflow']]);
  });

  it('overflows on data lines that never end an event, counting each line ending', () => {
    const { log, callbacks } = recorder();
    const parser = createParser(callbacks, { maxBufferSize: 1000 });
    // Each line holds one LF in the data buffer; the last line (5 characters) must fit too.
    for (let i = 0; i < 996; i++) parser.feed('data:\n');
    expect(log).toEqual([]);
    parser.feed('data:\n');
    expect(log).toEqual([['error', 'buffer-overflow']]);
  });
});

describe('createParser: huge events', () => {
  // 3 MB of data in 1-64 byte chunks: quadratic buffering would take minutes here.
  const size = 3 * 1024 * 1024;

  it('parses one huge data line fed in small chunks', () => {
    const rand = prng(7);
    const words = ['{"token":', '"é"', ' alpha', ' beta ', '42,', '}', ' 你好', 'x'.repeat(30)];
    const parts: string[] = [];
    for (let n = 0; n < size;) {
      const word = words[Math.floor(rand() * words.length)] as string;
      parts.push(word);
      n += word.length;
    }
    const line = parts.join('');
    const bytes = encode(`data: ${line}\r\n\r\n`);
    const events: string[] = [];
    const parser = createParser({ onEvent: (e) => events.push(e.data) });
    const chunkRand = prng(8);
    for (let i = 0; i < bytes.length;) {
      const n = 1 + Math.floor(chunkRand() * 64);
      parser.feed(bytes.subarray(i, i + n));
      i += n;
    }
    expect(events).toHaveLength(1);
    expect(events[0]).toBe(line);
  });

  it('parses one huge event of many data lines fed in small chunks', () => {
    const lines: string[] = [];
    for (let n = 0, i = 0; n < size; i++) {
      const line = `line ${i} ${'x'.repeat(i % 50)}`;
      lines.push(line);
      n += line.length + 7;
    }
    const text = lines.map((l) => `data: ${l}\n`).join('') + '\n';
    const events: string[] = [];
    const parser = createParser({ onEvent: (e) => events.push(e.data) });
    for (const chunk of randomSplit(text, 9, 64)) parser.feed(chunk);
    expect(events).toHaveLength(1);
    expect(events[0]).toBe(lines.join('\n'));
  });

  it('parses many events fed one byte at a time', () => {
    const expected: string[] = [];
    let text = '';
    for (let i = 0; i < 2000; i++) {
      const data = `{"n":${i},"s":"é${'y'.repeat(i % 30)}"}`;
      expected.push(data);
      text += i % 3 === 0 ? `id: ${i}\r\nevent: e\r\ndata: ${data}\r\n\r\n` : `data: ${data}\n\n`;
    }
    const bytes = encode(text);
    const events: string[] = [];
    const parser = createParser({ onEvent: (e) => events.push(e.data) });
    for (let i = 0; i < bytes.length; i++) parser.feed(bytes.subarray(i, i + 1));
    expect(events).toEqual(expected);
  });
});
