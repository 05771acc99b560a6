import type { Page } from 'playwright-core';
import { assert, poll, sleep } from './lib';
import type { Scenario } from './types';

const TABS = 8;
/** The documented failover bound (docs/tabs.md). */
const BOUND_MS = 3000;

const text = async (page: Page, testId: string) =>
  ((await page.getByTestId(testId).textContent()) ?? '').trim();
const counter = async (page: Page) =>
  Number((await text(page, 'value-counter')).replace(/\D/g, ''));

/**
 * The dashboard opened in 8 tabs of ONE browser (one context, as a user's tabs are): its stream
 * opts into `share: tabs`, so the server holds one dashboard connection, every tab shows it and
 * the same counter; closing the leader tab moves the connection to another within the bound.
 */
export const dashboardTabsScenarios: Scenario[] = [
  {
    name: `dashboard in ${TABS} tabs of one browser: 1 server connection, failover on closing the leader`,
    timeoutMs: 60_000,
    async run({ server, browser, figure }) {
      const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
      try {
        const pages: Page[] = [];
        for (let i = 0; i < TABS; i++) {
          const page = await context.newPage();
          page.setDefaultTimeout(10_000);
          // Tabs opened one after the other: the first one takes the lock and leads.
          await page.goto(`${server.url}/dashboard`, { waitUntil: 'load', timeout: 15_000 });
          await page.getByRole('heading', { name: 'Live dashboard' }).waitFor();
          pages.push(page);
        }
        await poll(
          async () => {
            for (const page of pages)
              if ((await text(page, 'connections-open')) !== '1') return false;
            return true;
          },
          10_000,
          'every tab showing 1 connection open',
        );
        const stats = await server.stats();
        assert(
          stats.connections.dashboard === 1,
          `server: ${stats.connections.dashboard} dashboard connections`,
        );
        for (const page of pages) {
          assert((await text(page, 'shared')) === 'yes', 'a tab says its stream is not shared');
        }
        // The same figures: every tab's counter moves with the one stream.
        const counters = await Promise.all(pages.map(counter));
        const spread = Math.max(...counters) - Math.min(...counters);
        assert(
          counters.every((c) => c > 0),
          `counters ${counters.join(', ')}`,
        );
        figure(
          `${TABS} tabs: 1 dashboard connection on the server; counters ${Math.min(...counters)}..${Math.max(...counters)} read one after the other`,
        );
        void spread;

        // Close the leader (the first tab): another takes over within the bound. The demo feed has no
        // IDs and counts per connection, so a changed counter is what shows events flow again.
        const t0 = Date.now();
        await pages[0]!.close();
        const rest = pages.slice(1);
        const before = await Promise.all(rest.map(counter));
        await poll(
          async () => {
            const now = await Promise.all(rest.map(counter));
            return (
              (await server.stats()).connections.dashboard === 1 &&
              now.every((c, i) => c !== before[i])
            );
          },
          BOUND_MS + 2000,
          'the other tabs receiving again over one connection',
          50,
        );
        const ms = Date.now() - t0;
        assert(ms <= BOUND_MS, `failover took ${ms} ms`);
        await sleep(500);
        assert(
          (await server.stats()).connections.dashboard === 1,
          'more than one connection after the failover',
        );
        figure(`leader tab closed: the others receive again over 1 connection after ${ms} ms`);
      } finally {
        await context.close().catch(() => {});
      }
    },
  },
];
