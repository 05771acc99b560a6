import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts6 from 'typescript';
import ts59 from 'typescript-5.9';
import { afterAll, describe, expect, it } from 'vitest';

// What a user sees for a misspelled event name on a typed stream, under every TypeScript a user
// may run: 5.9 and 6 through the compiler API, 7 (the native compiler, which has no JS API)
// through its command line. Compilers that print one overload's error print the last one's: it
// must be the typed stream's, naming the event and the valid ones.
const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sse-hooks-types-'));
const file = join(dir, 'misspelled.ts');
writeFileSync(
  file,
  `import { defineStream, useSSEEvent } from '${root}src/index.js';
const feed = defineStream<{ alert: { level: string }; update: { id: string } }>('/x');
export const use = () => useSSEEvent(feed, 'alrt');
`,
);
const options = {
  strict: true,
  noEmit: true,
  jsx: 'react-jsx',
  module: 'esnext',
  moduleResolution: 'bundler',
  target: 'es2022',
  skipLibCheck: true,
  types: [],
};
writeFileSync(
  join(dir, 'tsconfig.json'),
  JSON.stringify({ compilerOptions: options, files: [file] }),
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const EXPECTED =
  /Argument of type '"alrt"' is not assignable to parameter of type '"alert" \| "update"'/;

/** The last overload's error for the fixture, through the compiler API of `ts`. */
function lastOverloadError(ts: typeof ts6): string {
  const { options: compilerOptions } = ts.convertCompilerOptionsFromJson(options, dir);
  const program = ts.createProgram([file], compilerOptions);
  const [diagnostic] = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === file);
  expect(diagnostic).toBeDefined();
  const chain = diagnostic!.messageText as ts6.DiagnosticMessageChain;
  return ts.flattenDiagnosticMessageText(chain.next?.at(-1), '\n');
}

describe('a misspelled event of a typed stream names it and the valid events', () => {
  it.each([
    ['5.9', ts59 as unknown as typeof ts6],
    ['6', ts6],
  ])(
    'TypeScript %s (compiler API)',
    (major, ts) => {
      expect(ts.version.startsWith(`${major}.`)).toBe(true);
      expect(lastOverloadError(ts)).toMatch(EXPECTED);
    },
    60_000,
  );

  it('TypeScript 7 (native compiler, command line)', () => {
    const require = createRequire(import.meta.url);
    const pkg = require.resolve('typescript-7/package.json');
    expect((require(pkg) as { version: string }).version).toMatch(/^7\./);
    const { stdout, status } = spawnSync(
      process.execPath,
      [join(pkg, '../bin/tsc'), '-p', join(dir, 'tsconfig.json'), '--pretty', 'false'],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(status).not.toBe(0);
    expect(stdout).toContain('misspelled.ts(3,');
    expect(stdout).toContain('The last overload gave the following error.');
    expect(stdout).toMatch(EXPECTED);
  }, 60_000);
});
