import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { packageAliases } from './vite.config.js';

// The React test suite on React 18: react and react-dom come from test/react18/node_modules
// (installed by scripts/test-react18.sh), and Testing Library is inlined so it gets them too.
const react18 = (path: string) =>
  fileURLToPath(new URL(`./test/react18/node_modules/${path}`, import.meta.url));
// Testing Library's `main` is CommonJS, whose requires would bypass the aliases: use its ES build.
const testingLibrary = fileURLToPath(
  new URL(
    './node_modules/@testing-library/react/dist/@testing-library/react.esm.js',
    import.meta.url,
  ),
);

export default defineConfig({
  resolve: {
    alias: [
      // Tests and the testing kit import the package names: the sources, in tests.
      ...packageAliases,
      { find: /^@testing-library\/react$/, replacement: testingLibrary },
      { find: /^react$/, replacement: react18('react/index.js') },
      { find: /^react\/jsx-runtime$/, replacement: react18('react/jsx-runtime.js') },
      { find: /^react\/jsx-dev-runtime$/, replacement: react18('react/jsx-dev-runtime.js') },
      { find: /^react-dom$/, replacement: react18('react-dom/index.js') },
      { find: /^react-dom\/client$/, replacement: react18('react-dom/client.js') },
      { find: /^react-dom\/server$/, replacement: react18('react-dom/server.node.js') },
      { find: /^react-dom\/test-utils$/, replacement: react18('react-dom/test-utils.js') },
    ],
  },
  test: {
    globals: true,
    environment: 'node',
    include: ['test/react/**/*.test.{ts,tsx}'],
    exclude: ['**/node_modules/**', '**/*.browser.test.{ts,tsx}'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    env: { EXPECT_REACT_MAJOR: '18' },
    server: { deps: { inline: ['@testing-library/react'] } },
  },
});
