/**
 * Memory under abuse: how much the process grows while a parser is fed a stream that never ends
 * an event, until `maxBufferSize` stops it. Three patterns, each with two limits, each in a fresh
 * process: one byte at a time (one endless line), many short `data:` lines and no blank line, and
 * one endless line in 64 KiB chunks. Bytes in, as from a network. Not a timed test: it prints the
 * peak growth of the resident set size (RSS) over the process's size before the stream, and, from
 * a second process that collects garbage at every sample, the most heap the stream kept alive
 * (RSS alone also counts garbage not collected yet, and heap pages the process had already).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MiB = 1024 * 1024;
const LIMITS = [1 * MiB, 4 * MiB];
const PATTERNS: Record<string, string> = {
  'one byte at a time': 'data: x x x ... one byte a feed',
  'data: lines, no blank line': 'data: ab\\n repeated, 64 KiB chunks',
  'one endless line': 'data: xxx... 64 KiB chunks',
};

interface Result {
  pattern: string;
  limit: number;
  /** Bytes fed before the overflow error. */
  fed: number;
  errors: number;
  /** Peak RSS minus the RSS before the stream, in bytes. */
  growth: number;
  /** The most heap the stream kept alive (measured after a full collection), in bytes. */
  retained: number;
}

/**
 * Feeds one pattern until the parser reports an overflow (or 8 times the limit, a failure). With
 * `retained`, a full collection runs at every sample to measure what stays alive; else only the
 * RSS is sampled (garbage included, as a user would see it).
 */
async function runOne(pattern: string, limit: number, retained: boolean): Promise<Result> {
  const { createParser } = (await import('./lib.js')).built;
  const gc = (globalThis as { gc?: () => void }).gc;
  let errors = 0;
  const parser = createParser(
    { onEvent: () => undefined, onError: () => void errors++ },
    { maxBufferSize: limit },
  );
  const encode = (s: string) => new TextEncoder().encode(s);
  const chunk =
    pattern === 'one byte at a time'
      ? encode('x')
      : pattern === 'one endless line'
        ? encode('x'.repeat(65536))
        : encode('data: ab\n'.repeat(65536 / 9));
  gc?.();
  const before = process.memoryUsage.rss();
  const heapBefore = process.memoryUsage().heapUsed;
  let peak = before;
  let kept = 0;
  let fed = 0;
  if (pattern !== 'data: lines, no blank line') {
    parser.feed(encode('data: '));
    fed += 6;
  }
  // Sample about every 64 KiB of input.
  const every = Math.max(1, Math.floor(65536 / chunk.length));
  for (let i = 0; errors === 0 && fed < 8 * limit; i++) {
    parser.feed(chunk);
    fed += chunk.length;
    if (i % every !== 0) continue;
    if (retained && errors === 0) {
      gc?.();
      kept = Math.max(kept, process.memoryUsage().heapUsed - heapBefore);
    }
    peak = Math.max(peak, process.memoryUsage.rss());
  }
  peak = Math.max(peak, process.memoryUsage.rss());
  return { pattern, limit, fed, errors, growth: peak - before, retained: kept };
}

/** Runs every pattern and limit in a process of its own and prints the table. */
export function runMemoryBench(): Result[] {
  const results: Result[] = [];
  for (const pattern of Object.keys(PATTERNS)) {
    for (const limit of LIMITS) {
      const [rss, heap] = ['rss', 'retained'].map((mode) => {
        const file = fileURLToPath(import.meta.url);
        const args = ['--expose-gc', '--import', 'tsx', file, '--one', pattern, `${limit}`, mode];
        const child = spawnSync(process.execPath, args, {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        if (child.status !== 0) throw new Error(`memory bench "${pattern}" failed`);
        return JSON.parse(child.stdout.trim().split('\n').pop()!) as Result;
      }) as [Result, Result];
      results.push({ ...rss, retained: heap.retained });
    }
  }
  const mb = (n: number) => (n / MiB).toFixed(1);
  console.log(
    'Memory while one event grows until maxBufferSize stops it (bytes in, fresh processes): peak ' +
      'RSS growth (garbage included), and the most heap kept alive (after full collections)',
  );
  console.log(
    `${'pattern'.padEnd(28)} ${'input'.padEnd(36)} ${'maxBufferSize'.padStart(13)} ` +
      `${'fed before error'.padStart(17)} ${'peak RSS growth'.padStart(16)} ${'x limit'.padStart(8)} ` +
      `${'heap kept'.padStart(10)} ${'x limit'.padStart(8)}`,
  );
  for (const r of results) {
    console.log(
      `${r.pattern.padEnd(28)} ${PATTERNS[r.pattern]!.padEnd(36)} ${`${mb(r.limit)} MiB`.padStart(13)} ` +
        `${`${mb(r.fed)} MiB`.padStart(17)} ${`${mb(r.growth)} MiB`.padStart(16)} ` +
        `${(r.growth / r.limit).toFixed(2).padStart(8)} ${`${mb(r.retained)} MiB`.padStart(10)} ` +
        `${(r.retained / r.limit).toFixed(2).padStart(8)}`,
    );
    if (r.errors !== 1) throw new Error(`${r.pattern}: ${r.errors} overflow errors, expected 1`);
  }
  return results;
}

if (process.argv[2] === '--one') {
  console.log(
    JSON.stringify(
      await runOne(process.argv[3]!, Number(process.argv[4]), process.argv[5] === 'retained'),
    ),
  );
}
