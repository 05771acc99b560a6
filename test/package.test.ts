import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { expect, it } from 'vitest';

// What `npm pack` puts in the published tarball, without building or writing it.
function packedFiles(): Set<string> {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const [pack] = JSON.parse(out) as Array<{ files: Array<{ path: string }> }>;
  return new Set(pack!.files.map((f) => f.path));
}

/** Relative link targets (no scheme, no pure #anchor) of a Markdown file, as package paths. */
function relativeLinks(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!.split('#')[0]!)
    .filter((target) => target && !/^[a-z]+:/i.test(target))
    .map((target) => posix.normalize(posix.join(posix.dirname(file), target)));
}

it('the tarball carries the LICENSE and docs/, and every link of the README and docs resolves in it', () => {
  const files = packedFiles();
  expect(files.has('LICENSE')).toBe(true);
  expect(files.has('README.md')).toBe(true);
  const docs = [...files].filter((f) => f.startsWith('docs/') && f.endsWith('.md'));
  expect(docs.length).toBeGreaterThanOrEqual(5);
  for (const page of ['README.md', ...docs]) {
    for (const target of relativeLinks(page)) {
      expect(files.has(target), `${page} links to ${target}, which is not in the package`).toBe(
        true,
      );
    }
  }
  // Nothing from the source tree but the build, the docs and the license.
  for (const file of files) {
    expect(file).toMatch(/^(dist\/|docs\/|LICENSE$|README\.md$|package\.json$)/);
  }
}, 60_000);
