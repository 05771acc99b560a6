import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';

// The same example tests three times: in jsdom, in happy-dom, and in headless Chromium (the
// system's, through Playwright). The msw recipe runs in the DOM emulations only: in a browser msw
// needs its service worker.
const chromium = playwright({
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  },
});

export default defineConfig({
  test: {
    setupFiles: ['src/setup.ts'],
    unstubGlobals: true,
    testTimeout: 10_000,
    projects: [
      {
        extends: true,
        test: { name: 'jsdom', environment: 'jsdom', include: ['src/**/*.test.tsx'] },
      },
      {
        extends: true,
        test: { name: 'happy-dom', environment: 'happy-dom', include: ['src/**/*.test.tsx'] },
      },
      {
        extends: true,
        test: {
          name: 'chromium',
          include: ['src/**/*.test.tsx'],
          exclude: ['src/msw.test.tsx'],
          browser: {
            enabled: true,
            headless: true,
            provider: chromium,
            instances: [{ browser: 'chromium' }],
            // A free port, as several test runs may share the machine.
            api: { port: 0, strictPort: false },
            screenshotFailures: false,
          },
        },
      },
    ],
  },
});
