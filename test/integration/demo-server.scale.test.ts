import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventSource } from '../../src/core/node.js';
import { createDemoApp, type DemoApp, type DemoAppOptions } from '../../demo/server/app';
import { PANEL_EVENT_TYPES } from '../../demo/server/controlPanel';
import { startDemoProcess, type DemoProcess } from '../helpers/demoProcess';
import { startRedis, type RedisProcess } from '../helpers/redisServer';
import { startRoundRobinProxy, type RoundRobinProxy } from '../helpers/roundRobinProxy';
import { isRange, RawSseClient } from '../helpers/rawSseClient';

// Three demo server processes sharing one event log in a Redis stream, behind a round-robin
// proxy: the deployment a PHP-style "loop in one process" server breaks in.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean | Promise<boolean>, what: string, ms: number) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

interface Logged {
  id: number;
  type: string;
  data: { message: string; source: string; counter?: number };
}

let redis: RedisProcess;
const servers: DemoProcess[] = [];
let proxy: RoundRobinProxy | undefined;

beforeAll(async () => {
  redis = await startRedis();
  const env = {
    SSE_REDIS_URL: redis.url,
    SSE_REDIS_KEY: 'scale-test',
    DEMO_TICK_MS: '40',
    DEMO_RETRY_MS: '30',
    DEMO_HEARTBEAT_MS: '0',
  };
  servers.push(...(await Promise.all([1, 2, 3].map(() => startDemoProcess(env)))));
}, 30_000);

afterAll(async () => {
  await proxy?.close();
  await Promise.all(servers.map((s) => s.stop()));
  await redis?.stop();
});

describe('SSE_REDIS_URL: three processes behind a round-robin proxy', () => {
  it('a client dropped 20 times logs every event exactly once and in order; killing a process loses nothing', async () => {
    const ports = servers.map((s) => s.port);
    proxy = await startRoundRobinProxy(ports);
    const proxyRef = proxy;

    // One plain client on each process directly: each sees every event, whichever process took it.
    const direct = servers.map((s) => new RawSseClient(`${s.base}/api/events`));
    await Promise.all(direct.map((c) => c.open()));

    const log: Logged[] = [];
    let opens = 0;
    const es = new EventSource(`http://127.0.0.1:${proxy.port}/api/events`);
    es.onopen = () => (opens += 1);
    for (const type of PANEL_EVENT_TYPES) {
      es.addEventListener(type, (event) => {
        const e = event as MessageEvent<string>;
        log.push({ id: Number(e.lastEventId), type, data: JSON.parse(e.data) as Logged['data'] });
      });
    }
    await until(() => opens === 1, 'the first open', 5000);

    // Sends go to the processes in turn, directly: each event enters the log through a different
    // process than the ones serving most clients.
    const acknowledged: { id: number; message: string; via: number }[] = [];
    let sending = true;
    let paused = false;
    let sent = 0;
    const alive = new Set(servers);
    const sender = (async () => {
      while (sending) {
        if (paused) {
          await sleep(5);
          continue;
        }
        const targets = servers.filter((s) => alive.has(s));
        const target = targets[sent % targets.length]!;
        sent += 1;
        const message = `m${sent}`;
        const res = await fetch(`${target.base}/api/send`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ type: 'notification', message }),
        });
        expect(res.status).toBe(200);
        const body = (await res.json()) as { id: number };
        acknowledged.push({ id: body.id, message, via: target.port });
        await sleep(8);
      }
    })();

    let killed: DemoProcess | undefined;
    for (let drop = 1; drop <= 20; drop++) {
      const seen = log.length;
      await until(() => log.length >= seen + 3, `events before drop ${drop}`, 5000);
      if (drop === 10) {
        // Kill the process this client is on right now, mid-stream, with no shutdown.
        const [port] = proxyRef.open();
        killed = servers.find((s) => s.port === port)!;
        paused = true;
        await sleep(30);
        alive.delete(killed);
        await killed.kill();
        paused = false;
      } else {
        expect(proxyRef.dropAll()).toBeGreaterThan(0);
      }
      // A reconnect that meets the killed process backs off (250 ms, 500 ms, ...): allow for it on a loaded machine.
      await until(() => opens === drop + 1, `reopen after drop ${drop}`, 15_000);
    }
    await until(
      () => log.length >= 30 + acknowledged.length / 2,
      'events after the last drop',
      5000,
    );
    sending = false;
    await sender;

    // Everything the log holds has reached the client, whichever process it is on now.
    const survivor = servers.find((s) => alive.has(s))!;
    const latest = (await survivor.stats()).events.latestId;
    await until(() => (log.at(-1)?.id ?? 0) >= latest, `id ${latest} at the client`, 5000);
    es.close();

    // Every event exactly once, in order: ids contiguous from the first one seen.
    const ids = log.map((e) => e.id);
    expect(isRange(ids, ids[0]!, latest)).toBe(true);
    // Every acknowledged send is there under its id, whatever process it went through.
    const byId = new Map(log.map((e) => [e.id, e]));
    const firstId = ids[0]!;
    for (const ack of acknowledged.filter((a) => a.id >= firstId)) {
      expect(byId.get(ack.id)?.data.message, `send ${ack.message}`).toBe(ack.message);
    }
    expect(new Set(acknowledged.map((a) => a.via)).size).toBe(3);
    // One loop for all processes (a lease in Redis): the counters are one sequence, also across
    // the loss of the process that may have held it.
    const counters = log.filter((e) => e.data.source === 'server').map((e) => e.data.counter!);
    expect(counters.length).toBeGreaterThan(10);
    expect(isRange(counters, counters[0]!, counters.at(-1)!)).toBe(true);

    // Each reconnect went to another process than the connection before it.
    const routed = proxyRef.routed;
    expect(routed).toHaveLength(21);
    for (let i = 1; i < routed.length; i++) expect(routed[i]).not.toBe(routed[i - 1]);
    expect(routed.filter((p) => p === killed!.port).length).toBeGreaterThan(0);

    // The direct clients on the surviving processes got every event from their first one on.
    for (const [i, server] of servers.entries()) {
      if (server === killed) continue;
      const c = direct[i]!;
      await c.until(latest, 5000);
      expect(isRange(c.ids, c.ids[0]!, latest), `direct client on process ${i}`).toBe(true);
      c.close();
    }
    direct.forEach((c) => c.close());
    expect(killed!.output()).not.toMatch(/failed|error/i);
  }, 60_000);
});

describe('SSE_REDIS_URL: replay from the shared log', () => {
  const apps: { app: DemoApp; server: http.Server }[] = [];
  afterAll(async () => {
    for (const { app, server } of apps) {
      await app.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  async function start(options: DemoAppOptions) {
    const app = createDemoApp({ tickMs: 0, heartbeatMs: 0, redisUrl: redis.url, ...options });
    await app.ready;
    const server = http.createServer((req, res) => {
      if (!app.handle(req, res)) {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    apps.push({ app, server });
    return { app, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  }

  it('gives a client the events its process no longer holds, from Redis, then live', async () => {
    const key = 'replay-test';
    const writer = await start({ redisKey: key, historySize: 1000 });
    // This process keeps only 10 events in memory.
    const small = await start({ redisKey: key, historySize: 10 });
    for (let i = 1; i <= 300; i++) await writer.app.send('message', `m${i}`);
    await until(
      () => small.app.stats().events.latestId === 300,
      'the small process caught up',
      5000,
    );
    expect(small.app.stats().events.historySize).toBe(10);

    const client = new RawSseClient(`${small.base}/api/events`, { 'Last-Event-ID': '5' });
    await client.until(300, 5000);
    await writer.app.send('alert', 'live');
    await client.until(301, 5000);
    client.close();
    expect(isRange(client.ids, 6, 301)).toBe(true);
    expect(small.app.stats().events.replayUnavailable).toBe(0);
  });

  it('says replay-unavailable for ids Redis never issued or no longer holds', async () => {
    const key = 'unavailable-test';
    const a = await start({ redisKey: key, historySize: 20 });
    for (let i = 1; i <= 200; i++) await a.app.send('message', `m${i}`);
    await until(() => a.app.stats().events.latestId === 200, 'all events read back', 5000);
    for (const lastId of ['999', '2']) {
      const res = await fetch(`${a.base}/api/events`, {
        headers: { 'Last-Event-ID': lastId },
        signal: AbortSignal.timeout(3000),
      });
      const reader = res.body!.getReader();
      let text = '';
      while (!text.includes('replay-unavailable')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      await reader.cancel();
      expect(text, lastId).toMatch(/^event: ?replay-unavailable$/m);
    }
    expect(a.app.stats().events.replayUnavailable).toBe(2);
  });

  it('answers 503 while Redis is away, and continues above the ids clients hold when it is back empty', async () => {
    const own = await startRedis();
    let back: RedisProcess | undefined;
    try {
      const logs: string[] = [];
      const { app, base } = await start({ redisUrl: own.url, log: (line) => logs.push(line) });
      const send = (message: string) =>
        fetch(`${base}/api/send`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ type: 'message', message }),
          signal: AbortSignal.timeout(10_000),
        });
      for (let i = 1; i <= 5; i++) expect((await send(`m${i}`)).status).toBe(200);
      await until(() => app.stats().events.latestId === 5, 'five events read back', 5000);
      const client = new RawSseClient(`${base}/api/events`);
      await client.open();

      await own.stop();
      const started = Date.now();
      const refused = await send('while away');
      expect(refused.status).toBe(503);
      expect((await send('still away')).status).toBe(503);
      // At once: nothing waits for Redis to come back.
      expect(Date.now() - started).toBeLessThan(1000);

      // Back with no data (no persistence): ids must not start again from 1.
      back = await startRedis(own.port);
      await until(async () => (await send('after')).status === 200, 'sends accepted again', 10_000);
      await client.until(6, 5000);
      client.close();
      expect(client.ids).toEqual([6]);
      // One line for the outage, not one per refused request.
      expect(logs.filter((line) => line.startsWith('send failed:'))).toHaveLength(1);
    } finally {
      await back?.stop();
      await own.stop();
    }
  }, 40_000);

  it('fails to start with a clear error when Redis is not there', async () => {
    const app = createDemoApp({ redisUrl: 'redis://127.0.0.1:1', tickMs: 0, heartbeatMs: 0 });
    await expect(app.ready).rejects.toThrow(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
    await app.close();
  });
});
