/**
 * Parser throughput: sse-hooks' createParser against eventsource-parser on identical chunks.
 *
 * "bytes in": both start from the same Uint8Array chunks. Ours takes bytes; eventsource-parser
 * takes strings, so it gets them from a streaming TextDecoder (as its own EventSourceParserStream
 * does). "strings in": both get the same pre-decoded strings, which isolates the parsing itself.
 */
import { createParser as createTheirParser } from 'eventsource-parser';
import { built } from './lib.js';

const { createParser } = built;
import {
  dashboardStream,
  decodeChunks,
  llmTokenStream,
  randomChunks,
  type BenchStream,
} from './streams.js';

interface Tally {
  events: number;
  dataChars: number;
}

type Run = () => Tally;

/** Counts what a parser reports, so both sides are checked to agree. */
function counter(): { tally: Tally; onEvent(event: { data: string }): void } {
  const tally: Tally = { events: 0, dataChars: 0 };
  return {
    tally,
    onEvent(event) {
      tally.events++;
      tally.dataChars += event.data.length;
    },
  };
}

/** Ours takes bytes and text alike. */
function ours(chunks: readonly (Uint8Array | string)[]): Tally {
  const { tally, onEvent } = counter();
  const parser = createParser({ onEvent });
  for (const chunk of chunks) parser.feed(chunk);
  parser.end();
  return tally;
}

/** eventsource-parser takes text: bytes go through a streaming TextDecoder, as its own stream wrapper does. */
function theirs(chunks: readonly (Uint8Array | string)[]): Tally {
  const { tally, onEvent } = counter();
  const parser = createTheirParser({ onEvent });
  const decoder = new TextDecoder();
  for (const chunk of chunks) {
    parser.feed(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
  }
  const tail = decoder.decode();
  if (tail !== '') parser.feed(tail);
  return tally;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Runs both alternately (so drift and GC hit both alike); returns the median ms of each. Times
 * are the process's CPU time (user + system, GC threads included), which a busy shared machine
 * disturbs much less than wall time.
 */
function compare(ours: Run, theirs: Run, expected: number, warmup: number, iterations: number) {
  let oursTally: Tally | null = null;
  let theirsTally: Tally | null = null;
  for (let i = 0; i < warmup; i++) {
    oursTally = ours();
    theirsTally = theirs();
  }
  const oursMs: number[] = [];
  const theirsMs: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const first = i % 2 === 0;
    for (const side of first ? [0, 1] : [1, 0]) {
      const start = process.cpuUsage();
      const tally = side === 0 ? ours() : theirs();
      const used = process.cpuUsage(start);
      const ms = (used.user + used.system) / 1000;
      if (side === 0) {
        oursMs.push(ms);
        oursTally = tally;
      } else {
        theirsMs.push(ms);
        theirsTally = tally;
      }
    }
  }
  if (
    oursTally === null ||
    theirsTally === null ||
    oursTally.events !== expected ||
    theirsTally.events !== expected ||
    oursTally.dataChars !== theirsTally.dataChars
  ) {
    throw new Error(
      `Parsers disagree: expected ${expected} events, ours ${JSON.stringify(oursTally)}, ` +
        `eventsource-parser ${JSON.stringify(theirsTally)}`,
    );
  }
  return { oursMs: median(oursMs), theirsMs: median(theirsMs) };
}

export interface ParserBenchRow {
  stream: string;
  input: 'bytes' | 'strings';
  oursMBps: number;
  theirsMBps: number;
  oursEventsPerSec: number;
  theirsEventsPerSec: number;
  ratio: number;
}

function pad(value: string, width: number, right = false): string {
  return right ? value.padStart(width) : value.padEnd(width);
}

/** Runs the parser bench and prints a table. Throws when the two parsers disagree. */
export function runParserBench(options: { iterations?: number; warmup?: number } = {}) {
  const iterations = options.iterations ?? 21;
  const warmup = options.warmup ?? 5;
  const streams: BenchStream[] = [
    llmTokenStream(),
    dashboardStream(),
    // Not a target, shown for reference: text that is a quarter non-ASCII tokens.
    llmTokenStream(5 * 1024 * 1024, 4, 0.25, 'LLM tokens, 25% non-ASCII'),
  ];
  const rows: ParserBenchRow[] = [];

  for (const stream of streams) {
    const chunks = randomChunks(stream.bytes);
    const strings = decodeChunks(chunks);
    const mb = stream.bytes.length / 1e6;
    const cases = [
      {
        input: 'bytes' as const,
        ours: () => ours(chunks),
        theirs: () => theirs(chunks),
      },
      {
        input: 'strings' as const,
        ours: () => ours(strings),
        theirs: () => theirs(strings),
      },
    ];
    for (const c of cases) {
      const { oursMs, theirsMs } = compare(c.ours, c.theirs, stream.events, warmup, iterations);
      rows.push({
        stream: `${stream.name} (${mb.toFixed(1)} MB, ${stream.events} events)`,
        input: c.input,
        oursMBps: mb / (oursMs / 1000),
        theirsMBps: mb / (theirsMs / 1000),
        oursEventsPerSec: stream.events / (oursMs / 1000),
        theirsEventsPerSec: stream.events / (theirsMs / 1000),
        ratio: theirsMs / oursMs,
      });
    }
  }

  const header = [
    pad('stream', 50),
    pad('input', 8),
    pad('ours MB/s', 10, true),
    pad('esp MB/s', 10, true),
    pad('ours ev/s', 12, true),
    pad('esp ev/s', 12, true),
    pad('ours/esp', 9, true),
  ].join(' ');
  console.log(
    'Parser: sse-hooks createParser vs eventsource-parser (esp), random 1-4096 B chunks, ' +
      `median of ${iterations} runs (CPU time)`,
  );
  console.log(header);
  console.log('-'.repeat(header.length));
  for (const row of rows) {
    console.log(
      [
        pad(row.stream, 50),
        pad(row.input, 8),
        pad(row.oursMBps.toFixed(0), 10, true),
        pad(row.theirsMBps.toFixed(0), 10, true),
        pad(Math.round(row.oursEventsPerSec).toLocaleString('en-US'), 12, true),
        pad(Math.round(row.theirsEventsPerSec).toLocaleString('en-US'), 12, true),
        pad(`${row.ratio.toFixed(2)}x`, 9, true),
      ].join(' '),
    );
  }
  return rows;
}
