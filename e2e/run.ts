/**
 * Browser tests of the demo app: `npm run test:e2e`.
 *
 * Builds the demo once, serves it with the demo server (static mode, on a free port, with its
 * event history in a temporary directory so a restart continues the same ids), then runs every
 * scenario in Debian's Chromium, one after the other. Prints PASS/FAIL per scenario and
 * `N passed, M failed`; exits non-zero on any failure. Every step is bounded in time and child
 * processes are always killed.
 *
 * Options: `--only <text>` runs the scenarios whose name contains the text;
 * `--skip-build` reuses an existing dist-demo.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { chatScenarios } from './chat';
import { controlPanelScenarios } from './controlPanel';
import { dashboardScenarios } from './dashboard';
import { devtoolsScenarios } from './devtools';
import { inspectorScenarios } from './inspector';
import { dashboardTabsScenarios } from './dashboardTabs';
import {
  ARTIFACTS,
  DemoServer,
  buildDemo,
  freePort,
  killChildren,
  launchBrowser,
  screenshot,
  withTimeout,
} from './lib';
import type { Scenario, ScenarioContext } from './types';

const OVERALL_TIMEOUT_MS = 4 * 60_000;
const BUILD_TIMEOUT_MS = 90_000;

const args = process.argv.slice(2);
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? args[onlyIndex + 1] : undefined;
const skipBuild = args.includes('--skip-build');

const scenarios: Scenario[] = [
  ...controlPanelScenarios,
  ...dashboardScenarios,
  ...dashboardTabsScenarios,
  ...chatScenarios,
  ...devtoolsScenarios,
  ...inspectorScenarios,
].filter((s) => !only || s.name.includes(only));

let tmpDir: string | undefined;

function cleanup(): void {
  killChildren();
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  tmpDir = undefined;
}

process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping`);
    cleanup();
    process.exit(130);
  });
}

const overall = setTimeout(() => {
  console.error(`\nFAIL: the e2e run took over ${OVERALL_TIMEOUT_MS / 1000} s; giving up`);
  cleanup();
  process.exit(1);
}, OVERALL_TIMEOUT_MS);
overall.unref();

async function main(): Promise<number> {
  const started = Date.now();
  if (scenarios.length === 0) {
    console.error(`no scenario matches --only ${JSON.stringify(only)}`);
    return 1;
  }
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // Failure screenshots of an earlier run would read as failures of this one.
  for (const file of fs.readdirSync(ARTIFACTS)) {
    if (file.startsWith('FAIL-')) fs.rmSync(path.join(ARTIFACTS, file), { force: true });
  }

  if (!skipBuild) {
    console.log('building the demo (vite build --config demo/vite.config.ts)...');
    await buildDemo(BUILD_TIMEOUT_MS);
  }

  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sse-hooks-e2e-'));
  const port = await freePort();
  const server = new DemoServer(port, {
    DEMO_HISTORY_FILE: path.join(tmpDir, 'events.jsonl'),
  });
  await server.start();
  console.log(`demo server on ${server.url} (static dist-demo)`);

  const browser = await launchBrowser();
  const results: { name: string; ok: boolean; figures: string[] }[] = [];

  try {
    for (const scenario of scenarios) {
      const contexts: BrowserContext[] = [];
      const pages: Page[] = [];
      const problems: string[] = [];
      const figures: string[] = [];
      const ctx: ScenarioContext = {
        server,
        browser,
        async newPage(pathname = '/') {
          const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
          contexts.push(context);
          const page = await context.newPage();
          page.setDefaultTimeout(10_000);
          page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
          page.on('console', (message) => {
            if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
          });
          pages.push(page);
          await page.goto(server.url + pathname, { waitUntil: 'load', timeout: 15_000 });
          return page;
        },
        async shot(page, name) {
          figures.push(`screenshot ${await screenshot(page, name)}`);
        },
        figure(line) {
          figures.push(line);
        },
      };

      const t0 = Date.now();
      let error: unknown;
      try {
        await withTimeout(scenario.run(ctx), scenario.timeoutMs, scenario.name);
      } catch (caught) {
        error = caught;
        const page = pages.at(-1);
        if (page && !page.isClosed()) {
          const name = `FAIL-${scenario.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`;
          await screenshot(page, name)
            .then((file) => figures.push(`screenshot ${file}`))
            .catch(() => {});
        }
      }
      // Page errors fail a scenario that otherwise passed: the app must not throw.
      const pageErrors = problems.filter((p) => p.startsWith('page error'));
      if (!error && pageErrors.length > 0) error = new Error(pageErrors.join('\n'));
      for (const context of contexts) await context.close().catch(() => {});
      if (!server.running) {
        // A failed restart scenario must not take the following ones down with it.
        await server.start().catch(() => {});
      }

      const ms = Date.now() - t0;
      const ok = !error;
      console.log(`${ok ? 'PASS' : 'FAIL'} ${scenario.name} (${(ms / 1000).toFixed(1)} s)`);
      for (const line of figures) console.log(`     ${line}`);
      if (error) {
        const message = error instanceof Error ? error.message : String(error);
        console.log(`     ${message.split('\n').join('\n     ')}`);
        for (const p of problems) console.log(`     ${p}`);
        console.log(`     server output:\n       ${server.tail(10).split('\n').join('\n       ')}`);
      }
      results.push({ name: scenario.name, ok, figures });
    }
  } finally {
    await withTimeout(browser.close(), 10_000, 'closing the browser').catch(() => {});
    await server.stop();
  }

  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  console.log(`\n${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main()
  .then((code) => {
    cleanup();
    process.exit(code);
  })
  .catch((error: unknown) => {
    console.error(
      `FAIL: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    console.log('0 passed, 1 failed');
    cleanup();
    process.exit(1);
  });
