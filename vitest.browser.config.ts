import react from '@vitejs/plugin-react';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { CHROMIUM, CHROMIUM_ARGS } from './e2e/lib.js';
import { misbehavingServer } from './test/browser/misbehavingServer.js';

// `npm run test:browser`: the library in real headless Chromium (Debian's /usr/bin/chromium),
// against a misbehaving SSE server on the test page's own origin and on a second port.
export default defineConfig({
  plugins: [react(), misbehavingServer()],
  publicDir: false,
  resolve: {
    alias: {
      'sse-hooks/core': new URL('./src/core/index.ts', import.meta.url).pathname,
      'sse-hooks': new URL('./src/index.ts', import.meta.url).pathname,
    },
  },
  server: { host: '127.0.0.1' },
  // Known up front, so Vite never reloads the page mid-run to optimise a late discovery.
  optimizeDeps: { include: ['react', 'react-dom', 'react-dom/client', 'react/jsx-dev-runtime'] },
  test: {
    include: ['test/browser/**/*.browser.test.{ts,tsx}'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: playwright({
        // The flags that work as root on these machines, shared with the e2e runner.
        launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS },
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
});
