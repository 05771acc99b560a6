/**
 * Parser throughput: sse-hooks' createParser against the latest eventsource-parser (and 3.x, for
 * reference), on every stream of `streams.ts`, in both input modes and two chunkings. Every row
 * runs in a fresh process (a stream leaves the JIT tuned to its own shape), and every parser's
 * output is checked against the generator (event count and a checksum of type, data and id)
 * before anything is timed.
 *
 * "bytes": both start from the same Uint8Array chunks. Ours takes bytes; eventsource-parser takes
 * strings, so it gets them from a streaming TextDecoder, as its own EventSourceParserStream does.
 * "strings": both get the same pre-decoded strings, which isolates the parsing itself.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createParser as createLatest } from 'eventsource-parser';
import { createParser as create3 } from 'eventsource-parser-3';
import {
  CHECKSUM_SEED,
  STREAMS,
  checksum,
  decodeChunks,
  fixedChunks,
  randomChunks,
} from './streams.js';

const INPUTS = ['bytes', 'strings'] as const;
const CHUNKINGS = ['random 1-4096 B', 'fixed 16 KiB'] as const;

interface Tally {
  events: number;
  sum: number;
}

/** Counts events; with `full`, also folds every event into the checksum (verification only). */
interface Sink {
  tally: Tally;
  event(type: string | undefined, data: string, id: string | undefined): void;
}

function sink(full: boolean): Sink {
  const tally: Tally = { events: 0, sum: full ? CHECKSUM_SEED : 0 };
  let lastId = '';
  return {
    tally,
    event: full
      ? (type, data, id) => {
          tally.events++;
          lastId = id ?? lastId;
          tally.sum = checksum(tally.sum, type ?? 'message', data, lastId);
        }
      : (_type, data) => {
          // Reading one character makes the engine flatten a rope (a string built with +), as
          // any consumer that reads its data would: that cost is the parser's, not the user's.
          tally.events++;
          tally.sum += data.charCodeAt(data.length >> 1) | 0;
        },
  };
}

type Contender = (chunks: ReadonlyArray<Uint8Array | string>, full: boolean) => Tally;

function theirs(create: typeof createLatest): Contender {
  return (chunks, full) => {
    const out = sink(full);
    const parser = create({ onEvent: (e) => out.event(e.event, e.data, e.id) });
    const decoder = new TextDecoder();
    for (const chunk of chunks) {
      parser.feed(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    }
    const tail = decoder.decode();
    if (tail !== '') parser.feed(tail);
    return out.tally;
  };
}

async function contenders(): Promise<Array<[string, Contender]>> {
  const { createParser } = (await import('./lib.js')).built;
  return [
    [
      'sse-hooks',
      (chunks, full) => {
        const out = sink(full);
        const parser = createParser({ onEvent: (e) => out.event(e.type, e.data, e.lastEventId) });
        for (const chunk of chunks) parser.feed(chunk);
        parser.end();
        return out.tally;
      },
    ],
    ['eventsource-parser 4.1', theirs(createLatest)],
    ['eventsource-parser 3.x', theirs(create3 as typeof createLatest)],
  ];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] as number;
}

/** One row, in this process: checks every contender's output, then times them alternately. */
async function runRow(key: string): Promise<Row> {
  const [name, input, chunking] = key.split('|') as [string, (typeof INPUTS)[number], string];
  const stream = STREAMS[name]!();
  const byteChunks =
    chunking === CHUNKINGS[0] ? randomChunks(stream.bytes) : fixedChunks(stream.bytes, 16384);
  const chunks = input === 'bytes' ? byteChunks : decodeChunks(byteChunks);
  const list = await contenders();
  for (const [who, run] of list) {
    const got = run(chunks, true);
    if (got.events !== stream.events || got.sum !== stream.checksum) {
      throw new Error(
        `${who} on ${name}: ${got.events} events, checksum ${got.sum}; ` +
          `generated ${stream.events} events, checksum ${stream.checksum}`,
      );
    }
  }
  // Times are CPU time (user + system, GC threads included), which a busy shared machine
  // disturbs much less than wall time. The contenders run back to back in every round, in a
  // rotating order, so that load changing over the run hits them alike.
  const times: number[][] = list.map(() => []);
  for (let round = -5; round < 31; round++) {
    for (let k = 0; k < list.length; k++) {
      const i = (k + round + 5) % list.length;
      const started = process.cpuUsage();
      list[i]![1](chunks, false);
      const used = process.cpuUsage(started);
      if (round >= 0) times[i]!.push((used.user + used.system) / 1000);
    }
  }
  const ms = times.map(median);
  const mb = stream.bytes.length / 1e6;
  return {
    stream: name,
    input,
    chunking,
    mb,
    events: stream.events,
    mbps: ms.map((t) => mb / (t / 1000)),
    eventsPerSec: ms.map((t) => stream.events / (t / 1000)),
  };
}

export interface Row {
  stream: string;
  input: string;
  chunking: string;
  mb: number;
  events: number;
  /** Per contender: sse-hooks, eventsource-parser latest, eventsource-parser 3.x. */
  mbps: number[];
  eventsPerSec: number[];
}

const ratio = (row: Row, i = 1) => (row.mbps[0] as number) / (row.mbps[i] as number);

/** Runs every row in a process of its own and prints the table, worst row first. */
export function runParserBench(): Row[] {
  const rows: Row[] = [];
  for (const name of Object.keys(STREAMS)) {
    for (const input of INPUTS) {
      for (const chunking of CHUNKINGS) {
        const key = `${name}|${input}|${chunking}`;
        const child = spawnSync(
          process.execPath,
          ['--import', 'tsx', fileURLToPath(import.meta.url), '--row', key],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
        );
        if (child.status !== 0) throw new Error(`parser bench row "${key}" failed`);
        rows.push(JSON.parse(child.stdout.trim().split('\n').pop()!) as Row);
      }
    }
  }
  rows.sort((a, b) => ratio(a) - ratio(b));
  const cols: Array<[string, number, (r: Row) => string]> = [
    ['stream', 26, (r) => r.stream],
    ['input', 8, (r) => r.input],
    ['chunks', 16, (r) => r.chunking],
    ['ours MB/s', 10, (r) => r.mbps[0]!.toFixed(0)],
    ['4.1 MB/s', 9, (r) => r.mbps[1]!.toFixed(0)],
    ['ours ev/s', 11, (r) => Math.round(r.eventsPerSec[0]!).toLocaleString('en-US')],
    ['4.1 ev/s', 11, (r) => Math.round(r.eventsPerSec[1]!).toLocaleString('en-US')],
    ['ours/4.1', 9, (r) => `${ratio(r).toFixed(2)}x`],
    ['ours/3.x', 9, (r) => `${ratio(r, 2).toFixed(2)}x`],
  ];
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 3 ? c.padEnd(cols[i]![1]) : c.padStart(cols[i]![1]))).join(' ');
  console.log(
    'createParser (ours) vs eventsource-parser 4.1 (latest) and 3.x; every row a fresh process, ' +
      'output checked against the generator; median CPU time of 31 runs; worst row first',
  );
  console.log(line(cols.map((c) => c[0])));
  for (const row of rows) console.log(line(cols.map((c) => c[2](row))));
  const geo = (i: number) =>
    Math.exp(rows.reduce((s, r) => s + Math.log(ratio(r, i)), 0) / rows.length);
  const worst = rows[0]!;
  console.log(
    `summary: worst row ${ratio(worst).toFixed(2)}x (${worst.stream}, ${worst.input}, ` +
      `${worst.chunking}); geometric mean ${geo(1).toFixed(2)}x vs 4.1, ${geo(2).toFixed(2)}x vs 3.x`,
  );
  return rows;
}

if (process.argv[2] === '--row') {
  console.log(JSON.stringify(await runRow(process.argv[3]!)));
}
