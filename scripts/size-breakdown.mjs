// Prints the minified and gzipped size of one entry and what each source module adds to the
// minified bundle, so a size budget can be spent where it matters:
//   node scripts/size-breakdown.mjs [entry, default src/index.ts]
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';

const entry = process.argv[2] ?? 'src/index.ts';
const result = await build({
  entryPoints: [entry],
  bundle: true,
  minify: true,
  write: false,
  format: 'esm',
  external: ['react', 'react-dom', 'react/jsx-runtime'],
  metafile: true,
});
const out = result.outputFiles[0].contents;
console.log(`${entry}: ${out.length} B minified, ${gzipSync(out, { level: 9 }).length} B gzipped`);
const inputs = Object.values(result.metafile.outputs)[0].inputs;
for (const [file, { bytesInOutput }] of Object.entries(inputs).sort(
  (a, b) => b[1].bytesInOutput - a[1].bytesInOutput,
)) {
  if (bytesInOutput > 0) console.log(`  ${String(bytesInOutput).padStart(6)}  ${file}`);
}
