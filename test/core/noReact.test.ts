import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CORE = join(import.meta.dirname, '../../src/core');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe('src/core stays framework-agnostic', () => {
  it('no file under src/core imports React', () => {
    const offenders = files(CORE).filter((file) =>
      /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"](?:react|react-dom)(?:\/[^'"]*)?['"]/.test(
        readFileSync(file, 'utf8'),
      ),
    );
    expect(files(CORE).length).toBeGreaterThan(5);
    expect(offenders).toEqual([]);
  });

  it('the built core entry loads without React installed in scope', async () => {
    const core = await import('../../src/core/index.js');
    expect(typeof core.createParser).toBe('function');
    expect(typeof core.EventSource).toBe('function');
  });
});
