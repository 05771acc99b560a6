import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';
import viteConfig from '../../vite.config.js';

// What a bundler makes of the package for a browser app: each `sse-hooks/...` import is resolved
// through package.json's `exports` with the bundler's conditions, to the built file, and from
// there to the source file the library build turns into it (vite.config.ts's entries).

const ROOT = join(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  exports: Record<string, string | Record<string, string>>;
};
const entries = (viteConfig as { build: { lib: { entry: Record<string, string> } } }).build.lib
  .entry;

/** Node's algorithm: the first key of the object that is one of the conditions, or `default`. */
function exported(specifier: string, conditions: string[]): string {
  const target = pkg.exports['.' + specifier.slice('sse-hooks'.length)];
  if (!target) throw new Error(`${specifier} is not exported`);
  if (typeof target === 'string') return target;
  const key = Object.keys(target).find((k) => k === 'default' || conditions.includes(k))!;
  return target[key]!;
}

function packageResolver(conditions: string[]): Plugin {
  return {
    name: 'sse-hooks-exports',
    setup(b) {
      b.onResolve({ filter: /^sse-hooks(\/.*)?$/ }, ({ path }) => {
        const built = exported(path, conditions)
          .replace(/^\.\/dist\//, '')
          .replace(/\.js$/, '');
        const source = entries[built];
        if (!source) throw new Error(`no library entry builds dist/${built}.js`);
        return { path: join(ROOT, source) };
      });
    },
  };
}

async function bundle(code: string, platform: 'browser' | 'node'): Promise<string> {
  const conditions = platform === 'browser' ? ['browser', 'import'] : ['node', 'import'];
  const result = await build({
    stdin: { contents: code, resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    write: false,
    format: 'esm',
    platform,
    external: ['react', 'react-dom', 'react/jsx-runtime'],
    plugins: [packageResolver(conditions)],
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** A string only the Node transport's code contains. */
const NODE_ONLY = 'getBuiltinModule';

describe('the Node transport stays out of browser bundles', () => {
  it.each([
    [
      'the EventSource class',
      "import { EventSource } from 'sse-hooks/core'; console.log(EventSource);",
    ],
    [
      'all of sse-hooks/core',
      "import * as core from 'sse-hooks/core'; console.log(core.EventSource, core.Connection);",
    ],
    ['the hooks', "import * as all from 'sse-hooks'; console.log(all);"],
    ['the chat', "import * as chat from 'sse-hooks/chat'; console.log(chat);"],
    ['the tabs', "import * as tabs from 'sse-hooks/tabs'; console.log(tabs);"],
  ])('%s: not in a browser bundle', async (_name, code) => {
    expect(await bundle(code, 'browser')).not.toContain(NODE_ONLY);
  });

  it('Node resolves sse-hooks/core to the build whose EventSource reads with it', async () => {
    const code = "import { EventSource } from 'sse-hooks/core'; console.log(EventSource);";
    expect(await bundle(code, 'node')).toContain(NODE_ONLY);
  });
});
