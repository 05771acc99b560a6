/**
 * `npm run bench`: every bench section, one after the other, printed in one run. Each section runs
 * in a fresh Node process: a section leaves the JIT warmed for its own workload (and the React
 * ones install a jsdom window on the globals), which would skew the sections after it. Inside a
 * section, sse-hooks and its peers run side by side in the same process.
 *
 * `npm run bench -- parser` (or eventsource, react, text) runs one section.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const sections: Record<string, { title: string; run: () => Promise<unknown> }> = {
  parser: {
    title: 'parser: sse-hooks vs eventsource-parser',
    run: async () => (await import('./parser.js')).runParserBench(),
  },
  eventsource: {
    title: 'EventSource: sse-hooks vs eventsource',
    run: async () => (await import('./eventsource.js')).runEventSourceBench(),
  },
  react: {
    title: 'React: 50 widgets, 1,000 events, 5 types',
    run: async () => (await import('./react.js')).runReactBench(),
  },
  text: {
    title: 'Token stream: 10,000 tokens rendered',
    run: async () => (await import('./streamText.js')).runStreamTextBench(),
  },
};

const [flag, name] = process.argv.slice(2);
if (flag === '--section' && name && sections[name]) {
  await sections[name].run();
} else {
  const names = flag && sections[flag] ? [flag] : Object.keys(sections);
  let failed = false;
  for (const key of names) {
    console.log(`\n== ${sections[key]!.title} ==`);
    const started = performance.now();
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--section', key],
      { stdio: 'inherit' },
    );
    console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
    if (child.status !== 0) failed = true;
  }
  if (failed) process.exit(1);
}
