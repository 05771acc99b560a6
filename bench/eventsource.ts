/**
 * Client throughput: our WHATWG `EventSource` against the `eventsource` package's client, both
 * reading the same stream: from memory through the same in-memory `fetch` (the clients' own
 * work), and from a local node:http server in another process, each client over its default HTTP
 * client in Node (ours: Node's http module; theirs: Node's fetch).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventSource as TheirEventSource } from 'eventsource';
import { built } from './lib.js';

const OurEventSource = built.EventSource;
import { STREAMS, llmTokenStream, randomChunks, type BenchStream } from './streams.js';

interface Client {
  close(): void;
  addEventListener(type: string, fn: (e: { data: string }) => void): void;
  onmessage: ((e: { data: string }) => void) | null;
  onerror: ((e: unknown) => void) | null;
}
type ClientFactory = (url: string, fetchImpl?: typeof fetch) => Client;

const CLIENTS: Array<[string, ClientFactory]> = [
  ['sse-hooks EventSource', (url, f) => new OurEventSource(url, { fetch: f }) as unknown as Client],
  ['eventsource 4.x', (url, f) => new TheirEventSource(url, { fetch: f }) as unknown as Client],
];

/**
 * A `fetch` that answers from memory with the stream cut into the given chunks, so the
 * measurement is the client's own work (reading, decoding, parsing, dispatching) and not the
 * kernel's or a server's.
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

const TYPES = ['message', 'notification', 'alert', 'update'];

/** Serves `stream` from a child process; resolves with its URL and a stop function. */
async function serve(stream: BenchStream) {
  const dir = mkdtempSync(join(tmpdir(), 'sse-bench-'));
  const file = join(dir, 'stream.bin');
  writeFileSync(file, stream.bytes);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'streamServer.ts'), file],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    close: async () => {
      child.stdin.end();
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function consume(
  factory: ClientFactory,
  url: string,
  expected: number,
  fetchImpl?: typeof fetch,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let count = 0;
    const client = factory(url, fetchImpl);
    const onEvent = () => {
      if (++count === expected) {
        client.close();
        resolve(performance.now() - started);
      }
    };
    client.onmessage = onEvent;
    for (const type of TYPES.slice(1)) client.addEventListener(type, onEvent);
    client.onerror = (e) => {
      client.close();
      reject(
        new Error(
          `stream failed after ${count} events: ${String((e as { message?: string }).message ?? e)}`,
        ),
      );
    };
  });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function measure(
  stream: BenchStream,
  url: string,
  fetchFor: () => typeof fetch | undefined,
  rounds: number,
): Promise<Array<{ name: string; ms: number }>> {
  // Interleave the clients so machine noise hits both alike; the first round warms up.
  const times = new Map<string, number[]>(CLIENTS.map(([name]) => [name, []]));
  for (let round = 0; round <= rounds; round++) {
    for (const [name, factory] of CLIENTS) {
      const ms = await consume(factory, url, stream.events, fetchFor());
      if (round > 0) times.get(name)!.push(ms);
    }
  }
  return CLIENTS.map(([name]) => ({ name, ms: median(times.get(name)!) }));
}

function print(
  title: string,
  stream: BenchStream,
  results: Array<{ name: string; ms: number }>,
): void {
  const mb = stream.bytes.length / 1024 / 1024;
  console.log(`\n${title}`);
  const theirs = results[1]!.ms;
  for (const r of results) {
    const mbps = mb / (r.ms / 1000);
    const eps = stream.events / (r.ms / 1000);
    console.log(
      `  ${r.name.padEnd(24)} ${mbps.toFixed(1).padStart(7)} MB/s ${Math.round(eps).toLocaleString('en-US').padStart(11)} events/s  ${(theirs / r.ms).toFixed(2)}x`,
    );
  }
}

/** Runs the client bench on one stream (`'llm'` or `'dashboard'`), or on both in turn. */
export async function runEventSourceBench(only?: string): Promise<void> {
  if (only !== 'dashboard') {
    console.log(
      'EventSource clients: sse-hooks vs eventsource 4.x (ratio = their time / our time)',
    );
  }
  const streams = [
    ...(only === 'dashboard' ? [] : [llmTokenStream(8 * 1024 * 1024)]),
    ...(only === 'llm' ? [] : [STREAMS.dashboard!()]),
  ];
  for (const stream of streams) {
    const mb = (stream.bytes.length / 1024 / 1024).toFixed(1);
    const chunks = randomChunks(stream.bytes, 7, 1, 4096);
    const inMemory = await measure(stream, 'http://bench.invalid/', () => memoryFetch(chunks), 7);
    print(
      `${stream.name}: ${mb} MB, ${stream.events} events, in-memory fetch, random 1-4096 B chunks (client work only, median of 7)`,
      stream,
      inMemory,
    );
    const server = await serve(stream);
    try {
      const overNetwork = await measure(stream, server.url, () => undefined, 5);
      print(
        `${stream.name}: ${mb} MB, ${stream.events} events, server process over loopback (wall clock, median of 5)`,
        stream,
        overNetwork,
      );
    } finally {
      await server.close();
    }
  }
}
