/**
 * Client throughput: our WHATWG `EventSource` against the `eventsource` package (4.x, the latest
 * that runs on Node 20) and `eventsource-client` (latest), on every stream of `streams.ts`, each
 * stream in a fresh process. Two settings: an in-memory `fetch` that answers with the stream cut
 * into random 1-4096 B chunks (the clients' own work: reading, decoding, parsing, dispatching),
 * and a node:http server in another process over loopback, each client over its default HTTP
 * client in Node (ours: Node's http module; the others: Node's fetch). Every client's output is
 * checked against the generator (event count and a checksum of type, data and last event ID)
 * before anything is timed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventSource as TheirEventSource } from 'eventsource';
import { createEventSource } from 'eventsource-client';
import { CHECKSUM_SEED, STREAMS, checksum, randomChunks, type BenchStream } from './streams.js';

/** What a client reports of one event. */
type OnEvent = (type: string, data: string, lastEventId: string) => void;
/** Opens a client on `url`, calling `onEvent` for every event; returns its close function. */
type Client = (
  url: string,
  types: string[],
  onEvent: OnEvent,
  fetch?: typeof globalThis.fetch,
) => () => void;

interface MessageLike {
  type: string;
  data: string;
  lastEventId: string;
}

interface EventSourceLike {
  addEventListener(type: string, listener: (e: MessageLike) => void): void;
  close(): void;
}

/** A WHATWG-style EventSource: one listener per type the stream uses. */
function whatwg(create: (url: string, fetch?: typeof globalThis.fetch) => EventSourceLike): Client {
  return (url, types, onEvent, fetch) => {
    const source = create(url, fetch);
    const listener = (e: MessageLike) => onEvent(e.type, e.data, e.lastEventId);
    for (const type of types) source.addEventListener(type, listener);
    return () => source.close();
  };
}

async function clients(): Promise<Array<[string, Client]>> {
  const { EventSource } = (await import('./lib.js')).built;
  return [
    [
      'sse-hooks EventSource',
      whatwg(
        (url, fetch) => new EventSource(url, fetch ? { fetch } : {}) as unknown as EventSourceLike,
      ),
    ],
    [
      'eventsource 4.1',
      whatwg(
        (url, fetch) =>
          new TheirEventSource(url, fetch ? { fetch } : {}) as unknown as EventSourceLike,
      ),
    ],
    [
      'eventsource-client 1.2',
      (url, _types, onEvent, fetch) => {
        let lastId = '';
        const client = createEventSource({
          url,
          ...(fetch ? { fetch } : {}),
          onMessage: (e) => {
            lastId = e.id ?? lastId;
            onEvent(e.event ?? 'message', e.data, lastId);
          },
        });
        return () => client.close();
      },
    ],
  ];
}

/**
 * A `fetch` that answers from memory with the stream cut into the given chunks, so the
 * measurement is the client's own work and not the kernel's or a server's.
 */
function memoryFetch(chunks: readonly Uint8Array[]): typeof fetch {
  return (async () => {
    let i = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // Several chunks per pull, as a socket read delivers them in bursts.
        for (let n = 0; n < 16 && i < chunks.length; n++) controller.enqueue(chunks[i++]!);
        // Past the end the stream stays open (no reconnect); the client closes it.
      },
    });
    return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
  }) as typeof fetch;
}

/** Serves `stream` from a child process; resolves with its URL and a stop function. */
async function serve(stream: BenchStream) {
  const dir = mkdtempSync(join(tmpdir(), 'sse-bench-'));
  const file = join(dir, 'stream.bin');
  writeFileSync(file, stream.bytes);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'streamServer.ts'), file],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => {
      child.stdin.end();
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Reads the whole stream with one client; resolves with the wall-clock ms and what it saw. With
 * `full`, every event goes into the checksum (verification); else it is only counted and one
 * character of its data read (timing).
 */
function consume(
  client: Client,
  url: string,
  stream: BenchStream,
  full: boolean,
  fetch?: typeof globalThis.fetch,
) {
  return new Promise<{ ms: number; events: number; sum: number }>((resolve, reject) => {
    const started = performance.now();
    let events = 0;
    let sum = full ? CHECKSUM_SEED : 0;
    const timer = setTimeout(() => {
      close();
      reject(new Error(`timed out after ${events} of ${stream.events} events`));
    }, 60_000);
    const close = client(
      url,
      stream.types,
      (type, data, lastEventId) => {
        sum = full
          ? checksum(sum, type, data, lastEventId)
          : sum + (data.charCodeAt(data.length >> 1) | 0);
        if (++events === stream.events) {
          clearTimeout(timer);
          close();
          resolve({ ms: performance.now() - started, events, sum });
        }
      },
      fetch,
    );
  });
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[values.length >> 1]!;
}

export interface ClientRow {
  stream: string;
  setting: string;
  mb: number;
  events: number;
  /** Per client: sse-hooks, eventsource, eventsource-client. */
  ms: number[];
}

/** One stream, in this process: both settings, every client checked, then timed alternately. */
async function runStream(name: string): Promise<ClientRow[]> {
  const stream = STREAMS[name]!();
  const chunks = randomChunks(stream.bytes, 7);
  const list = await clients();
  const server = await serve(stream);
  const rows: ClientRow[] = [];
  try {
    const settings: Array<[string, string, () => typeof globalThis.fetch | undefined, number]> = [
      ['in-memory fetch', 'http://bench.invalid/', () => memoryFetch(chunks), 7],
      ['loopback server', server.url, () => undefined, 5],
    ];
    for (const [setting, url, fetchFor, rounds] of settings) {
      for (const [who, client] of list) {
        const got = await consume(client, url, stream, true, fetchFor());
        if (got.sum !== stream.checksum) {
          throw new Error(
            `${who} on ${name} (${setting}): checksum ${got.sum}, generated ${stream.checksum}`,
          );
        }
      }
      const times: number[][] = list.map(() => []);
      for (let round = 0; round < rounds; round++) {
        for (let k = 0; k < list.length; k++) {
          const i = (k + round) % list.length;
          times[i]!.push((await consume(list[i]![1], url, stream, false, fetchFor())).ms);
        }
      }
      rows.push({
        stream: name,
        setting,
        mb: stream.bytes.length / 1e6,
        events: stream.events,
        ms: times.map(median),
      });
    }
  } finally {
    server.close();
  }
  return rows;
}

/** Runs every stream in a process of its own and prints the table, worst row first. */
export function runEventSourceBench(): ClientRow[] {
  const rows: ClientRow[] = [];
  for (const name of Object.keys(STREAMS)) {
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--stream', name],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 1 << 20,
      },
    );
    if (child.status !== 0) throw new Error(`EventSource bench "${name}" failed`);
    rows.push(...(JSON.parse(child.stdout.trim().split('\n').pop()!) as ClientRow[]));
  }
  const vs = (r: ClientRow, i: number) => r.ms[i]! / r.ms[0]!;
  rows.sort((a, b) => Math.min(vs(a, 1), vs(a, 2)) - Math.min(vs(b, 1), vs(b, 2)));
  const mbps = (r: ClientRow, i: number) => (r.mb / (r.ms[i]! / 1000)).toFixed(0);
  const evps = (r: ClientRow, i: number) =>
    Math.round(r.events / (r.ms[i]! / 1000)).toLocaleString('en-US');
  console.log(
    'EventSource: sse-hooks (ours) vs eventsource 4.1 (es) and eventsource-client 1.2 (esc); every stream a ' +
      'fresh process, output checked against the generator; median wall time; worst row first',
  );
  const head = [
    'stream'.padEnd(26),
    'setting'.padEnd(16),
    'ours MB/s'.padStart(9),
    'es MB/s'.padStart(8),
    'esc MB/s'.padStart(9),
    'ours ev/s'.padStart(11),
    'ours/es'.padStart(8),
    'ours/esc'.padStart(9),
  ];
  console.log(head.join(' '));
  for (const r of rows) {
    console.log(
      [
        r.stream.padEnd(26),
        r.setting.padEnd(16),
        mbps(r, 0).padStart(9),
        mbps(r, 1).padStart(8),
        mbps(r, 2).padStart(9),
        evps(r, 0).padStart(11),
        `${vs(r, 1).toFixed(2)}x`.padStart(8),
        `${vs(r, 2).toFixed(2)}x`.padStart(9),
      ].join(' '),
    );
  }
  const geo = (i: number, setting: string) => {
    const some = rows.filter((r) => r.setting === setting);
    return Math.exp(some.reduce((s, r) => s + Math.log(vs(r, i)), 0) / some.length).toFixed(2);
  };
  const worst = rows[0]!;
  console.log(
    `summary: worst row ${worst.stream}, ${worst.setting}: ${vs(worst, 1).toFixed(2)}x es, ` +
      `${vs(worst, 2).toFixed(2)}x esc; geometric mean in memory ${geo(1, 'in-memory fetch')}x es, ` +
      `${geo(2, 'in-memory fetch')}x esc; over loopback ${geo(1, 'loopback server')}x es, ` +
      `${geo(2, 'loopback server')}x esc`,
  );
  return rows;
}

if (process.argv[2] === '--stream') {
  console.log(JSON.stringify(await runStream(process.argv[3]!)));
  process.exit(0);
}
