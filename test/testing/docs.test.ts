import { readdirSync, readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

// The examples of docs/testing.md are the files of examples/testing, which CI runs from the
// packed library: a page that drifts from them fails here.
const root = new URL('../../', import.meta.url);
const doc = readFileSync(new URL('docs/testing.md', root), 'utf8');
const shown = [...doc.matchAll(/<!-- file: (\S+) -->\s*```\w+\n([\s\S]*?)\n```/g)].map(
  ([, path, code]) => ({ path: path!, code: code! }),
);

it('shows every example file of examples/testing/src', () => {
  const files = readdirSync(new URL('examples/testing/src/', root)).map(
    (name) => `examples/testing/src/${name}`,
  );
  expect(shown.map((s) => s.path).sort()).toEqual(files.sort());
});

it.each(shown.map((s) => [s.path, s.code]))('shows %s as it is', (path, code) => {
  expect(code).toBe(readFileSync(new URL(path, root), 'utf8').replace(/\n$/, ''));
});
