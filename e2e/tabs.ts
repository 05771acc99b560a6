/**
 * Tab sharing in real Chromium: `npm run test:tabs`.
 *
 * Several pages of ONE browser context share a stream through `sse-hooks/tabs`, against a
 * node:http server on 127.0.0.1 (random port) that numbers its events 1, 2, 3… on one clock and
 * replays after `Last-Event-ID`. Checks: 8 pages open 1 server connection; the leader page closed,
 * crashed (CDP `Page.crash`) and frozen (CDP `Page.setWebLifecycleState`), 10 times each, is
 * replaced within the documented bound, and so is a leader that hangs without notice (its main
 * thread paused in the debugger: no heartbeat, lock still held); every page receives every event
 * once, in order; a page
 * that closes its stream changes nothing for the others; with Web Locks deleted in the page, each
 * tab has its own connection. Prints the figures and writes them to artifacts/e2e/tabs.json.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { build } from 'esbuild';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { ARTIFACTS, ROOT, assert, launchBrowser, poll, sleep, withTimeout } from './lib';

/** The documented failover bound (docs/tabs.md): a new leader's request within this many ms. */
const BOUND_MS = 3000;
const PAGES = 8;
const REPEATS = 10;
const EVENT_EVERY_MS = 20;
const OVERALL_MS = 5 * 60_000;

interface Feed {
  latest: number;
  log: number[];
  open: Set<http.ServerResponse>;
  /** Every request: when it arrived and the Last-Event-ID it resumed from. */
  requests: { at: number; from: string | null }[];
  clients: Set<http.ServerResponse>;
}

function startServer(bundle: string) {
  const feeds = new Map<string, Feed>();
  const feed = (name: string): Feed => {
    let f = feeds.get(name);
    if (!f) {
      const made: Feed = { latest: 0, log: [], open: new Set(), requests: [], clients: new Set() };
      feeds.set(name, (f = made));
      const timer = setInterval(() => {
        const id = ++made.latest;
        made.log.push(id);
        for (const res of made.open) res.write(`id: ${id}\ndata: ${id}\n\n`);
      }, EVENT_EVERY_MS);
      timers.push(timer);
    }
    return f;
  };
  const timers: NodeJS.Timeout[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>tabs</title><script src="/bundle.js"></script>');
    } else if (url.pathname === '/bundle.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(bundle);
    } else if (url.pathname === '/events') {
      const f = feed(url.searchParams.get('s') ?? '');
      const header = req.headers['last-event-id'];
      const from = typeof header === 'string' ? header : url.searchParams.get('lastEventId');
      f.requests.push({ at: Date.now(), from });
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      // Replays what came after the client's last event: a resume loses nothing.
      const after = from === null ? f.latest : Number(from);
      let replay = '';
      for (const id of f.log) if (id > after) replay += `id: ${id}\ndata: ${id}\n\n`;
      res.write(`: hi\n\n${replay}`);
      f.open.add(res);
      res.on('close', () => f.open.delete(res));
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise<{ url: string; feed: (name: string) => Feed; close: () => Promise<void> }>(
    (resolve) => {
      server.listen(0, '127.0.0.1', () => {
        const address = server.address() as { port: number };
        resolve({
          url: `http://127.0.0.1:${address.port}`,
          feed,
          close: () =>
            new Promise<void>((done) => {
              for (const t of timers) clearInterval(t);
              server.closeAllConnections();
              server.close(() => done());
            }),
        });
      });
    },
  );
}

interface Read {
  ids: string[];
  status: string;
  shared: boolean;
  continuity: string;
  lastEventId: string;
}

type Api = {
  subscribe(url: string): void;
  close(url: string): void;
  read(url: string): Read;
  leading(url: string): boolean;
};

const read = (page: Page, url: string) =>
  page.evaluate((u) => (window as unknown as { tabsTest: Api }).tabsTest.read(u), url);
const leading = (page: Page, url: string) =>
  page.evaluate((u) => (window as unknown as { tabsTest: Api }).tabsTest.leading(u), url);

async function openPage(context: BrowserContext, base: string, stream: string): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.goto(`${base}/`, { waitUntil: 'load', timeout: 15_000 });
  await page.evaluate(
    (u) => (window as unknown as { tabsTest: Api }).tabsTest.subscribe(u),
    stream,
  );
  return page;
}

/** Every id once, in order, with no hole: the page lost nothing and repeated nothing. */
function checkIds(ids: string[], who: string): { first: number; last: number } {
  const numbers = ids.map(Number);
  for (let i = 1; i < numbers.length; i++) {
    if (numbers[i] !== numbers[i - 1]! + 1) {
      const around = numbers.slice(Math.max(0, i - 3), i + 3).join(',');
      throw new Error(
        `${who}: event ${numbers[i]} after ${numbers[i - 1]} (${numbers[i]! <= numbers[i - 1]! ? 'duplicate' : 'lost events'}; …${around}…)`,
      );
    }
  }
  return { first: numbers[0] ?? 0, last: numbers.at(-1) ?? 0 };
}

const problems: string[] = [];
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const bundled = await build({
    entryPoints: [path.join(ROOT, 'e2e/tabs/page.ts')],
    bundle: true,
    format: 'iife',
    write: false,
    target: 'es2022',
    logLevel: 'silent',
  });
  const server = await startServer(bundled.outputFiles[0]!.text);
  const browser = await launchBrowser();
  const figures: Record<string, unknown> = {};
  const say = (line: string) => console.log(line);
  try {
    // ---- 8 pages, one connection -------------------------------------------------------------
    const context = await browser.newContext();
    const stream = '/events?s=main';
    const feed = server.feed('main');
    const pages: Page[] = [];
    for (let i = 0; i < PAGES; i++) pages.push(await openPage(context, server.url, stream));
    await poll(
      async () => {
        for (const p of pages) if ((await read(p, stream)).ids.length < 10) return false;
        return true;
      },
      10_000,
      'every page receiving events',
    );
    await sleep(500);
    say(
      `${PAGES} pages: ${feed.open.size} open server connection(s), ${feed.requests.length} request(s) in all`,
    );
    assert(
      feed.open.size === 1,
      `expected 1 server connection for ${PAGES} pages, got ${feed.open.size}`,
    );
    assert(feed.requests.length === 1, `expected 1 request, got ${feed.requests.length}`);
    for (const p of pages) {
      const r = await read(p, stream);
      assert(
        r.shared && r.status === 'open',
        `page state: ${JSON.stringify({ ...r, ids: r.ids.length })}`,
      );
    }
    figures.connectionsFor8Tabs = feed.open.size;

    const findLeader = async (among: Page[]) => {
      const leaders: Page[] = [];
      for (const p of among)
        if (await withTimeout(leading(p, stream), 5000, 'leading')) leaders.push(p);
      assert(leaders.length === 1, `expected one leader page, found ${leaders.length}`);
      return leaders[0]!;
    };

    // ---- failover: close, crash, freeze ------------------------------------------------------
    const times: Record<string, number[]> = { close: [], crash: [], freeze: [], hang: [] };
    const frozen: Page[] = [];
    const hung = new Map<Page, CDPSession>();
    const kinds = (['close', 'crash', 'freeze', 'hang'] as const).filter(
      (k) => !process.env.TABS_KINDS || process.env.TABS_KINDS.includes(k),
    );
    for (const kind of kinds) {
      for (let round = 0; round < REPEATS; round++) {
        const live = pages.filter((p) => !frozen.includes(p));
        const leader = await findLeader(live);
        const before = feed.requests.length;
        const t0 = Date.now();
        if (kind === 'close') {
          await leader.close();
        } else if (kind === 'crash') {
          const cdp = await context.newCDPSession(leader);
          void cdp.send('Page.crash').catch(() => {});
        } else if (kind === 'freeze') {
          const cdp = await context.newCDPSession(leader);
          await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
          frozen.push(leader);
          // Headless Chromium keeps the page visible, and a visible page is not frozen: the
          // command is accepted but neither the page nor its freeze event follow. The event is
          // dispatched here as the browser would, just before freezing a hidden page.
          await withTimeout(
            leader.evaluate(() => document.dispatchEvent(new Event('freeze'))),
            1000,
            'freeze event',
          ).catch(() => {});
        } else {
          // Frozen with no notice at all: the page's main thread stops (paused in the debugger),
          // it keeps its lock and its connection, and only its silence tells the others.
          const cdp = await context.newCDPSession(leader);
          await cdp.send('Debugger.enable');
          await cdp.send('Debugger.pause');
          frozen.push(leader);
          hung.set(leader, cdp);
        }
        await poll(
          () => feed.requests.length > before,
          BOUND_MS + 2000,
          `${kind}: a new leader's request`,
          5,
        );
        const ms = feed.requests[before]!.at - t0;
        times[kind]!.push(ms);
        const from = feed.requests[before]!.from;
        assert(
          from !== null && from !== '',
          `${kind}: the new leader resumed without Last-Event-ID`,
        );
        assert(ms <= BOUND_MS, `${kind}: new leader after ${ms} ms, over the ${BOUND_MS} ms bound`);
        if (kind === 'close' || kind === 'crash') {
          pages.splice(pages.indexOf(leader), 1);
          if (kind === 'crash') await leader.close().catch(() => {});
          pages.push(await openPage(context, server.url, stream));
        } else {
          // Back from the freeze: the page follows the new leader and must have lost nothing.
          const latest = feed.latest;
          await sleep(300);
          if (kind === 'freeze') {
            const cdp = await context.newCDPSession(leader);
            await cdp.send('Page.setWebLifecycleState', { state: 'active' });
            await leader.evaluate(() => document.dispatchEvent(new Event('resume')));
          } else {
            const cdp = hung.get(leader)!;
            await cdp.send('Debugger.resume');
            await cdp.send('Debugger.disable');
            hung.delete(leader);
          }
          frozen.splice(frozen.indexOf(leader), 1);
          await poll(
            async () => Number((await read(leader, stream)).lastEventId) > latest,
            5000,
            'the unfrozen page catching up',
          );
        }
        // Everyone moves on: one connection, every page past the failover.
        const mark = feed.latest;
        await poll(
          async () => {
            for (const p of pages)
              if (Number((await read(p, stream)).lastEventId) <= mark) return false;
            return true;
          },
          5000,
          `${kind}: every page receiving after the failover`,
        );
        await poll(
          () => feed.open.size === 1,
          5000,
          `${kind}: back to one connection (have ${feed.open.size})`,
        );
        for (const [i, p] of pages.entries()) {
          try {
            checkIds(
              (await read(p, stream)).ids,
              `${kind} round ${round}, page ${i}${p === leader ? ' (the old leader)' : ''}`,
            );
          } catch (error) {
            const wire = await p.evaluate(() =>
              (window as unknown as { tabsTest: { wire(): string[] } }).tabsTest.wire(),
            );
            console.error(
              wire
                .slice(-60)
                .map((l) => l.slice(0, 150))
                .join('\n'),
            );
            throw error;
          }
        }
      }
      say(
        `failover after ${kind}: median ${median(times[kind]!)} ms, max ${Math.max(...times[kind]!)} ms over ${REPEATS} (${times[kind]!.join(', ')})`,
      );
    }
    figures.failoverMs = Object.fromEntries(
      Object.entries(times).map(([k, v]) => [
        k,
        { median: median(v), max: Math.max(...v), all: v },
      ]),
    );

    // ---- per-tab close -----------------------------------------------------------------------
    const leader = await findLeader(pages);
    const follower = pages.find((p) => p !== leader)!;
    const requests = feed.requests.length;
    await follower.evaluate(
      (u) => (window as unknown as { tabsTest: Api }).tabsTest.close(u),
      stream,
    );
    await sleep(500);
    assert(
      feed.requests.length === requests && feed.open.size === 1,
      'a follower closing its stream changed the connection',
    );
    assert((await read(follower, stream)).status === 'closed', 'the follower is not closed');
    // The leader closes its stream (the page stays): another page takes over.
    await leader.evaluate(
      (u) => (window as unknown as { tabsTest: Api }).tabsTest.close(u),
      stream,
    );
    await poll(
      () => feed.requests.length > requests,
      BOUND_MS,
      'a new leader after the leader closed its stream',
    );
    await poll(
      () => feed.open.size === 1,
      5000,
      'one connection after the leader closed its stream',
    );
    const mark = feed.latest;
    const others = pages.filter((p) => p !== leader && p !== follower);
    await poll(
      async () => {
        for (const p of others)
          if (Number((await read(p, stream)).lastEventId) <= mark) return false;
        return true;
      },
      5000,
      'the other pages receiving after a stream close',
    );
    say(
      'a follower closing its stream: no new request, others unaffected; the leader closing its stream: handed over',
    );

    // ---- every page: every event once, in order ----------------------------------------------
    await sleep(300);
    let checked = 0;
    for (const [i, p] of pages.entries()) {
      const r = await read(p, stream);
      const { first, last } = checkIds(r.ids, `page ${i}`);
      // Every page followed at least one failover: resumed from Last-Event-ID, nothing missed.
      assert(r.continuity === 'resumed', `page ${i}: continuity ${r.continuity}, not resumed`);
      if (p !== leader && p !== follower) {
        assert(last >= feed.latest - 10, `page ${i} is behind: ${last} of ${feed.latest}`);
        checked += r.ids.length;
      }
      void first;
    }
    say(`${pages.length} pages, ${checked} events checked: none lost, none repeated, all in order`);
    figures.eventsChecked = checked;
    await context.close();

    // ---- without Web Locks: one connection per tab ------------------------------------------
    const bare = await browser.newContext();
    await bare.addInitScript(() => {
      delete (Navigator.prototype as { locks?: unknown }).locks;
    });
    const plainFeed = server.feed('nolocks');
    const plain: Page[] = [];
    for (let i = 0; i < 3; i++) plain.push(await openPage(bare, server.url, '/events?s=nolocks'));
    await poll(
      () => plainFeed.open.size === 3,
      5000,
      `3 connections without Web Locks (have ${plainFeed.open.size})`,
    );
    for (const p of plain) {
      const r = await read(p, '/events?s=nolocks');
      assert(!r.shared, 'shared is true without Web Locks');
    }
    say('without Web Locks: 3 pages, 3 connections, shared: false');
    figures.connectionsWithoutLocks = plainFeed.open.size;
    await bare.close();

    const pageErrors = problems.filter((p) => p.startsWith('page error'));
    assert(!pageErrors.length, pageErrors.join('\n'));
  } finally {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fs.writeFileSync(path.join(ARTIFACTS, 'tabs.json'), JSON.stringify(figures, null, 2));
    await withTimeout(browser.close(), 10_000, 'closing the browser').catch(() => {});
    await server.close();
  }
}

const overall = setTimeout(() => {
  console.error(`FAIL: over ${OVERALL_MS / 1000} s`);
  process.exit(1);
}, OVERALL_MS);
overall.unref();

main().then(
  () => {
    console.log('PASS tabs');
    process.exit(0);
  },
  (error: unknown) => {
    console.error(`FAIL tabs: ${error instanceof Error ? error.message : String(error)}`);
    for (const p of problems) console.error(p);
    process.exit(1);
  },
);
