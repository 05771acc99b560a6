import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// The demo app. It imports `sse-hooks` exactly as a user of the published package would; the alias
// points that name at the library's source so the demo always runs the current code.
export default defineConfig({
  root: here('.'),
  plugins: [react()],
  publicDir: false,
  resolve: {
    alias: {
      'sse-hooks/core': here('../src/core/index.ts'),
      'sse-hooks/chat': here('../src/chat.ts'),
      'sse-hooks/devtools': here('../src/devtools/index.ts'),
      'sse-hooks/tabs': here('../src/tabs.ts'),
      'sse-hooks': here('../src/index.ts'),
    },
  },
  server: {
    // The dev server shares its port with the API: it serves the demo and the library source it
    // runs, not the rest of the checkout (/@fs/ would otherwise reach any file of the workspace),
    // and never the demo's saved event history.
    fs: {
      strict: true,
      allow: [here('.'), here('../src')],
      deny: ['.env', '.env.*', '*.{crt,pem}', '**/.git/**', '**/.data/**'],
    },
  },
  build: {
    outDir: here('../dist-demo'),
    emptyOutDir: true,
    sourcemap: true,
  },
});
