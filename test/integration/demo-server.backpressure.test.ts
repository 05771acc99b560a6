import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDemoApp, type DemoApp, type DemoAppOptions } from '../../demo/server/app';
import { serveDemoApp } from '../helpers/demoApp';
import { startDemoProcess, type DemoProcess } from '../helpers/demoProcess';
import { isRange, RawSseClient } from '../helpers/rawSseClient';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean | Promise<boolean>, what: string, ms: number) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

function client(url: string, headers: Record<string, string> = {}, paused = false) {
  const c = new RawSseClient(url, headers, paused);
  cleanups.push(() => c.close());
  return c;
}

async function startApp(options: DemoAppOptions) {
  const logs: string[] = [];
  const app: DemoApp = createDemoApp({
    tickMs: 0,
    heartbeatMs: 0,
    log: (line) => logs.push(line),
    ...options,
  });
  const served = await serveDemoApp(app);
  cleanups.push(served.stop);
  return { app, logs, base: served.base };
}

/** 1,000 characters: an event of about 1.1 kB on the wire. */
const LONG = 'x'.repeat(1000);

describe('slow control-panel clients', () => {
  it('hold at most the queue bound, are dropped with a log line, and resume without a gap', async () => {
    const maxQueueBytes = 64 * 1024;
    const { app, logs, base } = await startApp({
      maxQueueBytes,
      slowClientMs: 400,
      historySize: 5000,
    });
    const stuck = client(`${base}/api/events`, {}, true);
    await stuck.open();
    await until(() => app.stats().channelSessions === 1, 'registration', 3000);

    let peakQueued = 0;
    for (let i = 0; i < 4000; i++) {
      await app.send('message', LONG);
      if (i % 100 === 0) peakQueued = Math.max(peakQueued, app.stats().events.queuedBytes);
    }
    // Past the bound nothing more is written: one batch (64 events) may overshoot it.
    expect(peakQueued).toBeGreaterThan(maxQueueBytes / 2);
    expect(peakQueued).toBeLessThan(maxQueueBytes + 64 * 1200);

    await until(() => app.stats().events.slowDisconnected === 1, 'the slow-client drop', 10_000);
    expect(logs.join('\n')).toMatch(
      /slow client 127\.0\.0\.1:\d+ disconnected: \d+ bytes unsent for \d+ ms .*last id sent \d+/,
    );
    // The connection count follows when the socket's close event comes, a moment later.
    await until(() => app.stats().connections.events === 0, 'the slow client gone', 5000);

    // The client reads what reached it before the drop, then comes back with its last id.
    stuck.resume();
    await stuck.waitEnd(5000);
    const seen = stuck.ids.at(-1)!;
    expect(isRange(stuck.ids, 1, seen)).toBe(true);
    expect(seen).toBeLessThan(4000);

    const again = client(`${base}/api/events`, { 'Last-Event-ID': String(seen) });
    await again.until(4000, 5000);
    expect(isRange([...stuck.ids, ...again.ids], 1, 4000)).toBe(true);
    expect(app.stats().events.replayed).toBe(4000 - seen);
  });

  it('keeps a client that falls behind for less than the bound, and gives it everything in order', async () => {
    const { app, base } = await startApp({
      maxQueueBytes: 32 * 1024,
      slowClientMs: 10_000,
      historySize: 5000,
    });
    const slow = client(`${base}/api/events`, {}, true);
    await slow.open();
    await until(() => app.stats().channelSessions === 1, 'registration', 3000);
    for (let i = 0; i < 3000; i++) await app.send('update', LONG);
    await sleep(300);
    slow.resume();
    await slow.until(3000, 5000);
    expect(isRange(slow.ids, 1, 3000)).toBe(true);
    expect(app.stats().events.slowDisconnected).toBe(0);
  });

  it('ends the stream of a client the history turned over under, which then hears replay-unavailable', async () => {
    const { app, logs, base } = await startApp({
      maxQueueBytes: 16 * 1024,
      slowClientMs: 5000,
      historySize: 100,
    });
    const slow = client(`${base}/api/events`, {}, true);
    await slow.open();
    await until(() => app.stats().channelSessions === 1, 'registration', 3000);
    for (let i = 0; i < 600; i++) await app.send('message', LONG);
    slow.resume();
    await slow.waitEnd(5000);
    expect(app.stats().events.fellBehind).toBe(1);
    expect(logs.join('\n')).toMatch(/fell behind the history/);
    expect(isRange(slow.ids, 1, slow.ids.at(-1)!)).toBe(true);
  });
});

describe('slow dashboard clients', () => {
  it('have batches dropped past 1 MB behind, and are disconnected when they stay there', async () => {
    const { app, logs, base } = await startApp({ slowClientMs: 300, dashboardTickMs: 5 });
    const stuck = client(`${base}/api/dashboard?rate=5000`, {}, true);
    const reading = new RawSseClient(`${base}/api/dashboard?rate=50`);
    cleanups.push(() => reading.close());
    await Promise.all([stuck.open(), reading.open()]);
    await until(
      () => app.stats().dashboard.slowDisconnected === 1,
      'the slow reader dropped',
      20_000,
    );
    expect(app.stats().dashboard.dropped).toBeGreaterThan(0);
    expect(logs.join('\n')).toMatch(/slow dashboard client 127\.0\.0\.1:\d+ disconnected/);
    // The reader that keeps up is still there.
    await until(() => app.stats().connections.dashboard === 1, 'the slow stream closed', 5000);
    expect(reading.ended).toBe(false);
  }, 30_000);
});

// ---- the server in a child process: memory, measured where it is spent ----------------------

/** The bound documented in demo/server/README.md. */
const MEMORY_BOUND_MB = 32;
const CLIENTS = 10;
const EVENTS = 20_000;
/** 500 characters: about 600 bytes an event on the wire, 12 MB for each client over the run. */
const MEDIUM = 'm'.repeat(500);
const WARM_UP = 2000;

describe('the demo server process under 10 non-reading clients', () => {
  it(`grows by less than ${MEMORY_BOUND_MB} MB over ${EVENTS} events, drops them, and they resume with no gap`, async () => {
    // The history is full from the start (a file of 20,000 events), so what grows during the run
    // is what the clients cost, not the history filling up.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sse-demo-mem-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'events.jsonl');
    const lines: string[] = [];
    for (let id = 1; id <= EVENTS; id++) {
      lines.push(
        JSON.stringify({ id, type: 'message', data: { message: MEDIUM, source: 'user', ts: id } }),
      );
    }
    fs.writeFileSync(file, lines.join('\n') + '\n');

    const FIRST = EVENTS + WARM_UP + 1;
    const LAST = EVENTS + WARM_UP + EVENTS;
    const server: DemoProcess = await startDemoProcess({
      DEMO_HISTORY_FILE: file,
      DEMO_HISTORY_SIZE: String(EVENTS),
      DEMO_TICK_MS: '0',
      DEMO_HEARTBEAT_MS: '0',
      DEMO_SLOW_CLIENT_MS: '2000',
    });
    cleanups.push(() => server.kill());
    const base = server.base;

    const send = async () => {
      const res = await fetch(`${base}/api/send`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ type: 'message', message: MEDIUM }),
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    };
    const sendMany = async (count: number) => {
      let left = count;
      const sender = async () => {
        while (left > 0) {
          left -= 1;
          await send();
        }
      };
      await Promise.all(Array.from({ length: 6 }, sender));
    };
    // Warm-up with nobody listening: the heap settles at its working size for this load first, so
    // the growth below is what the stuck clients cost.
    await sendMany(WARM_UP);

    const clients = Array.from({ length: CLIENTS }, () => client(`${base}/api/events`, {}, true));
    await Promise.all(clients.map((c) => c.open()));
    await until(
      async () => (await server.stats()).channelSessions === CLIENTS,
      'ten registered clients',
      5000,
    );
    await sleep(300);
    const baseline = (await server.stats()).memory;

    let peak = { rss: 0, heap: 0, queued: 0 };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const stats = await server.stats().catch(() => undefined);
        if (!stats) break;
        peak = {
          rss: Math.max(peak.rss, stats.memory.rss),
          heap: Math.max(peak.heap, stats.memory.heapUsed + stats.memory.external),
          queued: Math.max(peak.queued, stats.events.queuedBytes),
        };
        await sleep(50);
      }
    })();

    const started = performance.now();
    await sendMany(EVENTS);
    const sendSeconds = (performance.now() - started) / 1000;

    await until(
      async () => (await server.stats()).events.slowDisconnected === CLIENTS,
      'every stuck client dropped',
      20_000,
    );
    sampling = false;
    await sampler;
    // The connection count follows the sockets' close events, a moment after the drops.
    await until(
      async () => (await server.stats()).connections.events === 0,
      'the stuck clients gone',
      5000,
    );
    const stats = await server.stats();
    expect(stats.events.latestId).toBe(LAST);
    expect(server.output().match(/slow client .* disconnected/g)).toHaveLength(CLIENTS);

    const mb = (bytes: number) => bytes / 1024 / 1024;
    const growth = {
      rss: mb(peak.rss - baseline.rss),
      heap: mb(peak.heap - baseline.heapUsed - baseline.external),
      queued: mb(peak.queued),
    };
    console.log(
      `memory under ${CLIENTS} non-reading clients, ${EVENTS} events of 600 B in ${sendSeconds.toFixed(1)} s: ` +
        `rss +${growth.rss.toFixed(1)} MB, heap+external +${growth.heap.toFixed(1)} MB, ` +
        `peak unsent in Node ${growth.queued.toFixed(2)} MB`,
    );
    expect(growth.rss).toBeLessThan(MEMORY_BOUND_MB);
    expect(growth.queued).toBeLessThan((CLIENTS * (256 * 1024 + 64 * 1200)) / 1024 / 1024);

    // Each client reads what the kernel still holds for it, then comes back with its last id, as
    // an EventSource does; on a busy machine a replay read too slowly is dropped again, and the
    // client comes back again from where it got to.
    for (const c of clients) c.resume();
    await Promise.all(clients.map((c) => c.waitEnd(20_000)));
    const histories = await Promise.all(
      clients.map(async (c) => {
        const ids = [...c.ids];
        expect(isRange(ids, FIRST, ids.at(-1) ?? FIRST - 1)).toBe(true);
        for (let attempt = 0; (ids.at(-1) ?? 0) < LAST; attempt++) {
          if (attempt === 10) throw new Error(`still at id ${ids.at(-1)} after 10 reconnects`);
          const again = client(`${base}/api/events`, {
            'Last-Event-ID': String(ids.at(-1) ?? FIRST - 1),
          });
          await again.until(LAST, 30_000).catch(() => {});
          again.close();
          ids.push(...again.ids);
        }
        return ids;
      }),
    );
    for (const ids of histories) expect(isRange(ids, FIRST, LAST)).toBe(true);
  }, 180_000);
});
