/**
 * `npm run bench`: every bench section, one after the other, printed in one run. Each section runs
 * in a fresh Node process: a section leaves the JIT warmed for its own workload (and the React
 * ones install a jsdom window on the globals), which would skew the sections after it. For the
 * same reason the client bench runs each stream in a process of its own (a stream of non-ASCII
 * text leaves the string code of both clients tuned to it). Inside a process, sse-hooks and its
 * peers run side by side.
 *
 * `npm run bench -- parser` (or memory, eventsource, react, text, sizes, fanout) runs one section.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

interface Section {
  title: string;
  /** Parts that each run in a process of their own, in this order. */
  parts?: string[];
  run: (part?: string) => Promise<unknown>;
}

const sections: Record<string, Section> = {
  parser: {
    title: 'parser: sse-hooks vs eventsource-parser',
    run: async () => (await import('./parser.js')).runParserBench(),
  },
  memory: {
    title: 'parser memory: peak RSS growth under abuse, against maxBufferSize',
    run: async () => (await import('./memory.js')).runMemoryBench(),
  },
  eventsource: {
    title: 'EventSource: sse-hooks vs eventsource and eventsource-client',
    run: async () => (await import('./eventsource.js')).runEventSourceBench(),
  },
  react: {
    title: 'React: 50 widgets, 1,000 events, 5 types',
    run: async () => (await import('./react.js')).runReactBench(),
  },
  text: {
    title: 'Token stream: Markdown blocks vs whole re-parse, lag behind arrival, renders',
    run: async () => (await import('./streamText.js')).runStreamTextBench(),
  },
  sizes: {
    title: 'Bundle size: sse-hooks vs react-use-websocket and react-hooks-sse (min+gz)',
    run: async () => (await import('./sizes.js')).runSizeBench(),
  },
  fanout: {
    title: 'Demo server: Redis stream fan-out over 1, 2 and 3 processes',
    run: async () => (await import('./serverFanout.js')).runServerFanoutBench(),
  },
};

const [flag, name, part] = process.argv.slice(2);
if (flag === '--section' && name && sections[name]) {
  await sections[name].run(part);
} else {
  const names = flag && sections[flag] ? [flag] : Object.keys(sections);
  let failed = false;
  for (const key of names) {
    console.log(`\n== ${sections[key]!.title} ==`);
    const started = performance.now();
    for (const part of sections[key]!.parts ?? [undefined]) {
      const args = [fileURLToPath(import.meta.url), '--section', key, ...(part ? [part] : [])];
      const child = spawnSync(process.execPath, ['--import', 'tsx', ...args], { stdio: 'inherit' });
      if (child.status !== 0) failed = true;
    }
    console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  if (failed) process.exit(1);
}
