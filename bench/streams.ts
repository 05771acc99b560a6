/**
 * Deterministic SSE streams for the benches, each built from a list of events so that a parser's
 * output can be checked against what was generated (count and checksum of type, data and id),
 * not against another parser. The same seed gives the same bytes on every run.
 */

import { prng } from '../test/helpers/prng.js';

export { prng };

/** A generated stream and what a parser must find in it. */
export interface BenchStream {
  name: string;
  bytes: Uint8Array;
  /** Number of events with data. */
  events: number;
  /** {@link checksum} of every event, in order. */
  checksum: number;
  /** The event types in the stream. */
  types: string[];
}

interface Event {
  type?: string;
  data: string;
  id?: string;
  /** A comment line sent before the event. */
  comment?: string;
}

/** Folds one event (type, data, last event id) into a running FNV-1a checksum. */
export function checksum(hash: number, type: string, data: string, id: string): number {
  for (const s of [type, data, id]) {
    for (let i = 0; i < s.length; i++) hash = Math.imul(hash ^ s.charCodeAt(i), 16777619);
    hash = Math.imul(hash ^ 0xffff, 16777619);
  }
  return hash >>> 0;
}

export const CHECKSUM_SEED = 2166136261;

function build(name: string, events: Event[], eol = '\n'): BenchStream {
  const parts: string[] = [];
  let sum = CHECKSUM_SEED;
  let lastId = '';
  for (const e of events) {
    if (e.comment !== undefined) parts.push(`:${e.comment}${eol}`);
    if (e.id !== undefined) parts.push(`id: ${e.id}${eol}`);
    if (e.type !== undefined) parts.push(`event: ${e.type}${eol}`);
    for (const line of e.data.split('\n')) parts.push(`data: ${line}${eol}`);
    parts.push(eol);
    lastId = e.id ?? lastId;
    sum = checksum(sum, e.type ?? 'message', e.data, lastId);
  }
  return {
    name,
    bytes: new TextEncoder().encode(parts.join('')),
    events: events.length,
    checksum: sum,
    types: [...new Set(events.map((e) => e.type ?? 'message'))],
  };
}

/** Generates events until their data adds up to about `bytes`. */
function until(bytes: number, next: (i: number) => Event): Event[] {
  const events: Event[] = [];
  for (let size = 0; size < bytes;) {
    const e = next(events.length);
    events.push(e);
    size += e.data.length + 8 + (e.type?.length ?? 0) + (e.id?.length ?? 0);
  }
  return events;
}

// Short tokens as a chat model streams them (JSON-escaped where needed).
const ASCII_TOKENS = (
  ' the| a| of| and| to| in| is| that| it| for| on| with| as| you| can| this| be| are| or| by|' +
  ' an| we| use| not| stream| event| server| data| React| hook| render| token| state|' +
  ' connection| browser| function| return| value| example| code| when|ing|ed|s|ly|er|.|,|:|;|' +
  ' (|)|`| `|\\n|\\n\\n| \\"|\\"| -| 1|2| 42| Hello| world|!|?| I|\'s| **'
).split('|');
const NON_ASCII_TOKENS = ' é|’| —| “|”| café| naïve|…| 🚀| 你好| über| €| 東京| ñ'.split('|');
const CJK =
  '的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跑'.split(
    '',
  );

function llm(rand: () => number, nonAscii: number): string {
  const list = rand() < nonAscii ? NON_ASCII_TOKENS : ASCII_TOKENS;
  return list[Math.floor(rand() * list.length)] as string;
}

/** The streams every bench row runs on, by name. */
export const STREAMS: Record<string, () => BenchStream> = {
  // OpenAI-style chunks of one ASCII token each, about 110 B an event.
  'LLM tokens, ASCII': () => {
    const rand = prng(1);
    const head = '{"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,';
    return build(
      'LLM tokens, ASCII',
      until(4e6, () => ({ data: `${head}"delta":{"content":"${llm(rand, 0)}"}}]}` })),
    );
  },
  // Short text deltas, about 50 B an event, 4% of them not ASCII (accents, CJK, emoji).
  'LLM tokens, 4% non-ASCII': () => {
    const rand = prng(2);
    return build(
      'LLM tokens, 4% non-ASCII',
      until(3e6, () => ({ data: `{"type":"text","text":"${llm(rand, 0.04)}"}` })),
    );
  },
  // Plain CJK text, 20-80 characters an event.
  'CJK text': () => {
    const rand = prng(3);
    return build(
      'CJK text',
      until(3e6, () => {
        let data = '';
        for (let n = 20 + Math.floor(rand() * 60); n > 0; n--) {
          data += CJK[Math.floor(rand() * CJK.length)];
        }
        return { data };
      }),
    );
  },
  // A dashboard: id, a named event and about 1 KB of JSON, a comment now and then.
  dashboard: () => {
    const rand = prng(4);
    const types = ['notification', 'alert', 'update', 'metrics'];
    return build(
      'dashboard',
      until(5e6, (i) => {
        const series: number[] = [];
        for (let n = 0; n < 120; n++) series.push(Math.round(rand() * 1e6) / 100);
        const data = JSON.stringify({ widget: `w${i % 64}`, ts: 1.7e12 + i * 250, series });
        return {
          id: String(i + 1),
          type: types[Math.floor(rand() * types.length)] as string,
          data,
          ...(i % 50 === 49 ? { comment: ' keep-alive' } : {}),
        };
      }),
    );
  },
  // Events of 2-12 data lines of 10-80 characters.
  'multi-line data': () => {
    const rand = prng(5);
    return build(
      'multi-line data',
      until(4e6, () => {
        const lines: string[] = [];
        for (let n = 2 + Math.floor(rand() * 11); n > 0; n--) {
          let line = '';
          while (line.length < 10 + rand() * 70) line += llm(rand, 0);
          lines.push(line);
        }
        return { data: lines.join('\n') };
      }),
    );
  },
  // CRLF line endings: a named event and an id on every event.
  'CRLF line endings': () => {
    const rand = prng(6);
    return build(
      'CRLF line endings',
      until(4e6, (i) => ({
        id: `m${i}`,
        type: 'delta',
        data: `{"index":${i},"text":"${llm(rand, 0.02)}${llm(rand, 0.02)}"}`,
      })),
      '\r\n',
    );
  },
  // A few single-line events of 1 MiB each.
  '1 MiB events': () => {
    const rand = prng(7);
    const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/';
    const events: Event[] = [];
    for (let i = 0; i < 6; i++) {
      const chars: string[] = [];
      for (let n = 0; n < 1024 * 1024; n++) chars.push(alphabet[Math.floor(rand() * 64)] as string);
      events.push({ type: 'file', data: chars.join('') });
    }
    return build('1 MiB events', events);
  },
};

/** An OpenAI-style token stream of about `targetBytes`, ending with `data: [DONE]`. */
export function llmTokenStream(targetBytes: number, seed = 1, nonAscii = 0.02): BenchStream {
  const rand = prng(seed);
  const head = '{"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,';
  const events = until(targetBytes, () => ({
    data: `${head}"delta":{"content":"${llm(rand, nonAscii)}"}}]}`,
  }));
  events.push({ data: '[DONE]' });
  return build('LLM tokens', events);
}

/** Splits `bytes` into chunks of random sizes in [min, max] (views, not copies). */
export function randomChunks(bytes: Uint8Array, seed = 3, min = 1, max = 4096): Uint8Array[] {
  const rand = prng(seed);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length;) {
    const size = min + Math.floor(rand() * (max - min + 1));
    chunks.push(bytes.subarray(i, Math.min(i + size, bytes.length)));
    i += size;
  }
  return chunks;
}

/** Splits `bytes` into chunks of `size` bytes (views, not copies). */
export function fixedChunks(bytes: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
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
