/**
 * The demo server's scale-out: 1, 2 and 3 server processes sharing one Redis stream
 * (`SSE_REDIS_URL`), 30 SSE clients spread over them. Events are appended to the stream from
 * here, with the script the servers use (`XADD` under the next id), stamped with the time of the
 * append; each client notes when each event arrived.
 *
 * - burst: 20,000 events appended as fast as Redis takes them; events/s from the first append to
 *   the last event at the last client (each event reaches all 30 clients).
 * - paced: 1,000 events/s for 3 s; latency from the append to each client, p50/p99/max over every
 *   delivery.
 *
 * Every client must get every event exactly once and in id order, or the row fails. Rows are
 * printed worst first (lowest burst rate). Each row starts fresh server processes and a fresh key.
 */
import http from 'node:http';
import { RedisEventLog } from '../demo/server/redisLog.js';
import { startDemoProcess, type DemoProcess } from '../test/helpers/demoProcess.js';
import { redisServerPath, startRedis } from '../test/helpers/redisServer.js';

const CLIENTS = 30;
const BURST = 20_000;
const PACED_RATE = 1000;
const PACED_SECONDS = 3;
const PAYLOAD = 'p'.repeat(100);

const now = () => performance.timeOrigin + performance.now();

/** A client that keeps, per event, its id and the time from the append to its arrival. */
class TimingClient {
  readonly ids: number[] = [];
  readonly latencies: number[] = [];
  private text = '';
  private readonly req: http.ClientRequest;
  readonly opened: Promise<void>;

  constructor(url: string) {
    let opened!: () => void;
    this.opened = new Promise((resolve) => (opened = resolve));
    this.req = http.get(url, { agent: false, headers: { Accept: 'text/event-stream' } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => this.feed(chunk));
      opened();
    });
    this.req.on('error', () => {});
  }

  private feed(chunk: string): void {
    const arrived = now();
    this.text += chunk;
    let cut: number;
    while ((cut = this.text.indexOf('\n\n')) >= 0) {
      const block = this.text.slice(0, cut);
      this.text = this.text.slice(cut + 2);
      const id = /^id: ?(\d+)$/m.exec(block);
      const at = /"at":([\d.]+)/.exec(block);
      if (!id || !at) continue;
      this.ids.push(Number(id[1]));
      this.latencies.push(arrived - Number(at[1]));
    }
  }

  get last(): number {
    return this.ids.at(-1) ?? 0;
  }

  close(): void {
    this.req.destroy();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, what: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${what}`);
    await sleep(2);
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Row {
  processes: number;
  eventsPerSecond: number;
  deliveriesPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  failure?: string;
}

async function runRow(redisUrl: string, processes: number): Promise<Row> {
  const key = `bench-fanout-${processes}-${Date.now()}`;
  const servers: DemoProcess[] = [];
  const clients: TimingClient[] = [];
  const log = new RedisEventLog({ url: redisUrl, key, maxLength: 100_000, log: () => {} });
  try {
    const env = {
      SSE_REDIS_URL: redisUrl,
      SSE_REDIS_KEY: key,
      DEMO_TICK_MS: '0',
      DEMO_HEARTBEAT_MS: '0',
      DEMO_HISTORY_SIZE: '1000',
    };
    await log.connectWriter();
    servers.push(
      ...(await Promise.all(Array.from({ length: processes }, () => startDemoProcess(env)))),
    );
    for (let i = 0; i < CLIENTS; i++) {
      clients.push(new TimingClient(`${servers[i % processes]!.base}/api/events`));
    }
    await Promise.all(clients.map((c) => c.opened));
    for (const [index, server] of servers.entries()) {
      const share = clients.filter((_, i) => i % processes === index).length;
      const deadline = Date.now() + 5000;
      while ((await server.stats()).channelSessions < share) {
        if (Date.now() > deadline) throw new Error('clients did not register');
        await sleep(10);
      }
    }

    // Burst: as fast as Redis takes the appends, 64 in flight.
    const started = now();
    let issued = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (issued < BURST) {
          issued += 1;
          await log.append('message', { message: PAYLOAD, at: now(), source: 'bench' });
        }
      }),
    );
    await until(() => clients.every((c) => c.last >= BURST), 'burst delivered', 60_000);
    const burstSeconds = (now() - started) / 1000;
    for (const c of clients) c.latencies.length = 0;

    // Paced: 10 events every 10 ms.
    const pacedTotal = PACED_RATE * PACED_SECONDS;
    const pacedStart = now();
    for (let sent = 0; sent < pacedTotal;) {
      const due = Math.floor(((now() - pacedStart) * PACED_RATE) / 1000);
      const batch: Promise<unknown>[] = [];
      for (; sent < Math.min(due, pacedTotal); sent++) {
        batch.push(log.append('message', { message: PAYLOAD, at: now(), source: 'bench' }));
      }
      await Promise.all(batch);
      await sleep(5);
    }
    const total = BURST + pacedTotal;
    await until(() => clients.every((c) => c.last >= total), 'paced events delivered', 30_000);

    let failure: string | undefined;
    for (const [i, c] of clients.entries()) {
      const exact = c.ids.length === total && c.ids.every((id, k) => id === k + 1);
      if (!exact) {
        failure = `client ${i} got ${c.ids.length} events, not ids 1..${total} in order`;
        break;
      }
    }
    const latencies = clients.flatMap((c) => c.latencies).sort((a, b) => a - b);
    return {
      processes,
      eventsPerSecond: BURST / burstSeconds,
      deliveriesPerSecond: (BURST * CLIENTS) / burstSeconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.at(-1)!,
      failure,
    };
  } finally {
    for (const c of clients) c.close();
    await Promise.all(servers.map((s) => s.stop()));
    await log.close();
  }
}

export async function runServerFanoutBench(): Promise<void> {
  if (!redisServerPath()) {
    console.log('redis-server is not installed (apt-get install -y redis-server): section skipped');
    process.exitCode = 1;
    return;
  }
  const redis = await startRedis();
  const rows: Row[] = [];
  try {
    for (const processes of [1, 2, 3]) rows.push(await runRow(redis.url, processes));
  } finally {
    await redis.stop();
  }
  console.log(
    `${CLIENTS} clients over N processes, one Redis stream; burst of ${BURST.toLocaleString('en-US')} ` +
      `events, then ${PACED_RATE}/s for ${PACED_SECONDS} s (latency: append to client); worst first`,
  );
  console.log(
    '  processes    events/s  deliveries/s   p50 ms   p99 ms   max ms   vs 1 process  check',
  );
  const one = rows.find((r) => r.processes === 1)!.eventsPerSecond;
  for (const r of [...rows].sort((a, b) => a.eventsPerSecond - b.eventsPerSecond)) {
    console.log(
      `  ${String(r.processes).padStart(9)} ${Math.round(r.eventsPerSecond).toLocaleString('en-US').padStart(11)} ` +
        `${Math.round(r.deliveriesPerSecond).toLocaleString('en-US').padStart(13)} ` +
        `${r.p50.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)} ${r.max.toFixed(1).padStart(8)} ` +
        `${(r.eventsPerSecond / one).toFixed(2).padStart(13)}x  ${r.failure ? `FAIL: ${r.failure}` : 'ok'}`,
    );
  }
  if (rows.some((r) => r.failure)) process.exitCode = 1;
}
