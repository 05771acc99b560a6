import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// Library build: the entries 'sse-hooks', 'sse-hooks/chat', 'sse-hooks/core', 'sse-hooks/tabs',
// 'sse-hooks/devtools' and the test-only 'sse-hooks/testing' (with its '/vitest' and '/jest' matcher
// registrations), with React and Vitest external, so the published files carry no runtime dependency
// besides the React peer.
// The package's entries, as tsconfig.json "paths" maps them for the typecheck.
const ENTRIES = {
  'sse-hooks': './src/index.ts',
  'sse-hooks/core': './src/core/index.ts',
  'sse-hooks/chat': './src/chat.ts',
  'sse-hooks/devtools': './src/devtools/index.ts',
  'sse-hooks/testing': './src/testing/index.ts',
  'sse-hooks/testing/vitest': './src/testing/vitest.ts',
  'sse-hooks/testing/jest': './src/testing/jest.ts',
  'sse-hooks/tabs': './src/tabs.ts',
};

/**
 * Aliases from the package names to their sources, for tests: exact names only, so
 * 'sse-hooks' does not swallow 'sse-hooks/core'. Tests run in Node, which resolves
 * 'sse-hooks/core' through the `node` export condition: its Node build.
 */
const TEST_ENTRIES = { ...ENTRIES, 'sse-hooks/core': './src/core/node.ts' };
export const packageAliases = Object.entries(TEST_ENTRIES).map(([name, file]) => ({
  find: new RegExp(`^${name}$`),
  replacement: fileURLToPath(new URL(file, import.meta.url)),
}));

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
        'core-node': 'src/core/node.ts',
        devtools: 'src/devtools/index.ts',
        testing: 'src/testing/index.ts',
        'testing-vitest': 'src/testing/vitest.ts',
        'testing-jest': 'src/testing/jest.ts',
        tabs: 'src/tabs.ts',
      },
      formats: ['es'],
    },
    rolldownOptions: {
      // 'sse-hooks' itself: the testing entry imports the published main entry.
      external: ['react', 'react-dom', 'react/jsx-runtime', 'vitest', 'sse-hooks'],
    },
  },
  test: {
    globals: true,
    environment: 'node',
    include: ['test/**/*.test.{ts,tsx}'],
    exclude: ['**/node_modules/**', '**/*.browser.test.{ts,tsx}'],
    setupFiles: ['test/setup.ts'],
    // Tests (and the testing kit) import the package names, as users do: the sources, in tests.
    alias: packageAliases,
    testTimeout: 20_000,
    hookTimeout: 20_000,
    typecheck: {
      enabled: true,
      include: ['test/types/**/*.test-d.ts'],
      tsconfig: './tsconfig.json',
      // The project's TypeScript by path: the older and newer compilers the type tests also run
      // (typescript-5.9, typescript-7) install a `tsc` command too.
      checker: fileURLToPath(new URL('./node_modules/typescript/bin/tsc', import.meta.url)),
    },
  },
});
