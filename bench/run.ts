/**
 * `npm run bench`: every bench section, one after the other, in one process. Sections are
 * imported only when they run, because the React ones install a jsdom window on the globals.
 */
export {};

const sections: Array<[name: string, run: () => Promise<unknown>]> = [
  [
    'parser: sse-hooks vs eventsource-parser',
    async () => (await import('./parser.js')).runParserBench(),
  ],
  [
    'EventSource: sse-hooks vs eventsource',
    async () => (await import('./eventsource.js')).runEventSourceBench(),
  ],
  [
    'React: 50 widgets, 1,000 events, 5 types',
    async () => (await import('./react.js')).runReactBench(),
  ],
  [
    'Token stream: 10,000 tokens rendered',
    async () => (await import('./streamText.js')).runStreamTextBench(),
  ],
];

const only = process.argv[2];
for (const [name, run] of sections) {
  if (only && !name.toLowerCase().includes(only.toLowerCase())) continue;
  console.log(`\n== ${name} ==`);
  const started = performance.now();
  await run();
  console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
