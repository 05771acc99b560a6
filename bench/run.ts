/**
 * `npm run bench`: every bench section, one after the other, in one process.
 */
import { runParserBench } from './parser.js';

const sections: Array<[name: string, run: () => unknown]> = [['parser', runParserBench]];

for (const [name, run] of sections) {
  console.log(`\n== ${name} ==`);
  const started = performance.now();
  await run();
  console.log(`(${name}: ${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
