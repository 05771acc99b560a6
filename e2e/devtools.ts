import type { Page } from 'playwright-core';
import { startFrames, stopFrames } from './dashboard';
import { assert, poll, sleep } from './lib';
import type { Scenario } from './types';

const card = (page: Page) => page.getByTestId('sse-devtools-connection');

async function openDevtools(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Open SSE devtools' }).click();
  await page.getByRole('complementary', { name: 'SSE devtools' }).waitFor({ timeout: 5000 });
}

const number = async (page: Page, testId: string) =>
  Number(((await page.getByTestId(testId).first().textContent()) ?? '').replace(/[^\d.]/g, ''));

/** The devtools' events/s figure, in events per second (it prints `1.2k ev/s`). */
async function devtoolsRate(page: Page): Promise<number> {
  const text = (await page.getByTestId('sse-devtools-rate').first().textContent()) ?? '';
  const [, value, k] = /([\d.]+)(k?)/.exec(text) ?? [];
  return Number(value) * (k ? 1000 : 1);
}

export const devtoolsScenarios: Scenario[] = [
  {
    name: 'devtools: the dashboard’s one connection, 9 subscribers, its rate, a reconnect with its cause, closed from the panel',
    timeoutMs: 60_000,
    async run(ctx) {
      const page = await ctx.newPage('/dashboard?rate=1000');
      await poll(
        async () => (await number(page, 'events-per-second')) > 500,
        10_000,
        'events flowing',
      );
      await openDevtools(page);
      await poll(async () => (await card(page).count()) === 1, 5000, 'one connection listed');
      const subscribers = await number(page, 'sse-devtools-subscribers');
      assert(subscribers === 9, `the panel shows ${subscribers} subscribers, expected 9 widgets`);
      const pageRate = await number(page, 'events-per-second');
      const panelRate = await poll(
        async () => {
          const r = await devtoolsRate(page);
          return Math.abs(r - pageRate) / pageRate < 0.25 ? r : undefined;
        },
        5000,
        `the panel's rate near the page's ${pageRate}/s`,
      );
      ctx.figure(
        `devtools: ${subscribers} subscribers; rate ${panelRate}/s in the panel, ${pageRate}/s on the page`,
      );
      // A server restart drops the stream: the panel shows the failure and its cause.
      await ctx.server.stop();
      await ctx.server.start();
      const history = page.getByTestId('sse-devtools-history');
      await history.waitFor({ timeout: 15_000 });
      const entry = (await history.textContent()) ?? '';
      assert(/network/.test(entry), `history names the cause: ${entry}`);
      await poll(
        async () =>
          ((await page.getByTestId('sse-devtools-status').textContent()) ?? '').includes('open'),
        20_000,
        'open again',
      );
      await ctx.shot(page, 'devtools-dashboard');
      await page.getByRole('button', { name: 'Close', exact: true }).click();
      await poll(
        async () =>
          ((await page.getByTestId('sse-devtools-status').textContent()) ?? '').includes('closed'),
        5000,
        'closed in the panel',
      );
      await poll(
        async () => (await ctx.server.stats()).connections.dashboard === 0,
        5000,
        'closed on the server',
      );
      // The page refreshes its total once a second: let the last refresh after the close land.
      await sleep(1500);
      const before = await number(page, 'events-total');
      await sleep(1500);
      assert((await number(page, 'events-total')) === before, 'the page stopped receiving');
      ctx.figure(`devtools: history entry "${entry.slice(0, 120)}"`);
    },
  },
  {
    name: 'devtools at 5,000 events/s: frame time p95 within 2 ms of the page without the panel',
    timeoutMs: 150_000,
    async run(ctx) {
      const page = await ctx.newPage('/dashboard?rate=5000');
      await poll(
        async () => (await number(page, 'events-per-second')) > 2500,
        15_000,
        'events flowing',
      );
      const measure = async () => {
        await startFrames(page);
        await sleep(3000);
        return (await stopFrames(page)).workP95;
      };
      // Windows come in pairs, one with the panel and one without, in alternating order, so
      // drift in the machine's load hits both sides alike; the check is on the median of the
      // differences within pairs. Five pairs decide, unless their median is over the bound: then
      // six more are measured and all eleven decide, so one noisy stretch of a shared machine does
      // not fail the run while a panel that really costs more than 2 ms a frame still does.
      const without: number[] = [];
      const withPanel: number[] = [];
      const measurePair = async (panelFirst: boolean) => {
        for (const panel of panelFirst ? [true, false] : [false, true]) {
          if (panel) await openDevtools(page);
          (panel ? withPanel : without).push(await measure());
          if (panel) await page.getByRole('button', { name: 'Close SSE devtools' }).click();
        }
      };
      const median = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)]!;
      const difference = () => median(withPanel.map((w, i) => w - without[i]!));
      for (let i = 0; i < 5; i++) await measurePair(i % 2 === 1);
      if (difference() > 2) for (let i = 5; i < 11; i++) await measurePair(i % 2 === 1);
      ctx.figure(
        `devtools at 5000/s: frame time p95 without ${without.map((v) => v.toFixed(1)).join(', ')} ms, with ${withPanel.map((v) => v.toFixed(1)).join(', ')} ms; median difference ${difference().toFixed(1)} ms over ${without.length} pairs`,
      );
      assert(
        difference() <= 2,
        `p95 with the panel ${difference().toFixed(1)} ms above without (median of ${without.length} pairs)`,
      );
    },
  },
];
