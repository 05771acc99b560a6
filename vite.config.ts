import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// Library build: four entries ('sse-hooks', 'sse-hooks/chat', 'sse-hooks/core', 'sse-hooks/tabs') with React
// external, so the published files carry no runtime dependency besides the React peer.
export default defineConfig({
  plugins: [react()],
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    minify: false,
    lib: {
      entry: {
        index: 'src/index.ts',
        chat: 'src/chat.ts',
        core: 'src/core/index.ts',
        tabs: 'src/tabs.ts',
      },
      formats: ['es'],
    },
    rolldownOptions: {
      external: ['react', 'react-dom', 'react/jsx-runtime'],
    },
  },
  test: {
    globals: true,
    environment: 'node',
    include: ['test/**/*.test.{ts,tsx}'],
    exclude: ['**/node_modules/**', '**/*.browser.test.{ts,tsx}'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    typecheck: {
      enabled: true,
      include: ['test/types/**/*.test-d.ts'],
      tsconfig: './tsconfig.json',
    },
  },
});
