import react from '@vitejs/plugin-react';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
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
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
});
