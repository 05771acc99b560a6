/**
 * Bundle sizes against the peer React libraries, at the measure size-limit uses in CI: what an app
 * bundle gains from one import (esbuild, browser platform, minified, then gzip), React excluded.
 * Ours are measured from the built `dist/` (as the package ships), through its export map.
 */
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Row {
  name: string;
  code: string;
}

const ROWS: Row[] = [
  { name: 'sse-hooks: { useEventSource }', code: "export { useEventSource } from 'sse-hooks';" },
  { name: 'sse-hooks: the full entry', code: "export * from 'sse-hooks';" },
  {
    name: 'sse-hooks/chat: { useStreamText }',
    code: "export { useStreamText } from 'sse-hooks/chat';",
  },
  {
    name: 'react-use-websocket 4.13: { useEventSource }',
    code: "export { useEventSource } from 'react-use-websocket';",
  },
  {
    name: 'react-use-websocket 4.13: the full entry',
    code: "export * from 'react-use-websocket';",
  },
  { name: 'react-hooks-sse 2.1: the full entry', code: "export * from 'react-hooks-sse';" },
];

async function gzipped(code: string, modules: string): Promise<number> {
  const result = await build({
    stdin: { contents: code, resolveDir: ROOT, loader: 'js' },
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    external: ['react', 'react-dom', 'react/jsx-runtime'],
    // Found as an installed package is, through its export map.
    nodePaths: [modules],
    logLevel: 'silent',
  });
  return gzipSync(result.outputFiles[0]!.contents).length;
}

export async function runSizeBench(): Promise<void> {
  const modules = mkdtempSync(join(tmpdir(), 'sse-sizes-'));
  symlinkSync(ROOT, join(modules, 'sse-hooks'), 'dir');
  const sizes = [];
  try {
    for (const row of ROWS) sizes.push({ ...row, bytes: await gzipped(row.code, modules) });
  } finally {
    rmSync(modules, { recursive: true, force: true });
  }
  const peer = sizes.find((s) => s.name.startsWith('react-use-websocket 4.13: { use'))!.bytes;
  console.log('min+gz, React excluded; ratio: size / react-use-websocket { useEventSource }');
  for (const { name, bytes } of sizes) {
    console.log(
      `${name.padEnd(46)} ${(bytes / 1000).toFixed(2).padStart(6)} kB  ${(bytes / peer).toFixed(2)}x`,
    );
  }
}
