import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createDemoApp, type DemoAppOptions } from '../../demo/server/app';
import { closeDemoServer, serveDemoApp } from '../helpers/demoApp';
import { tickType } from '../../demo/server/controlPanel';
import { answerFor, tokenize } from '../../demo/server/chat';
import { DASHBOARD_EVENT_TYPES } from '../../demo/server/dashboard';

// ---- harness ---------------------------------------------------------------------------------

type Running = Awaited<ReturnType<typeof serveDemoApp>>;

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(options: DemoAppOptions = {}): Promise<Running> {
  const running = await serveDemoApp(createDemoApp({ tickMs: 0, heartbeatMs: 0, ...options }));
  cleanups.push(running.stop);
  return running;
}

function tempFile(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sse-demo-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, name);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

interface SseEvent {
  event: string;
  id: string | undefined;
  data: string;
}

/** A minimal reader of an event stream, good enough for the demo server's output. */
class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  retry: number | undefined;
  ended = false;
  private pending = '';
  private wake: (() => void) | undefined;

  constructor(
    readonly response: Response,
    private readonly controller: AbortController,
  ) {
    void this.pump();
  }

  private async pump() {
    const reader = this.response.body!.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        this.feed(decoder.decode(value, { stream: true }));
      }
    } catch {
      // aborted
    }
    this.ended = true;
    this.wake?.();
  }

  private feed(text: string) {
    this.pending += text;
    let cut: number;
    while ((cut = this.pending.indexOf('\n\n')) >= 0) {
      const block = this.pending.slice(0, cut);
      this.pending = this.pending.slice(cut + 2);
      const event: SseEvent = { event: 'message', id: undefined, data: '' };
      const data: string[] = [];
      for (const line of block.split('\n')) {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === '') this.comments.push(value);
        else if (field === 'event') event.event = value;
        else if (field === 'id') event.id = value;
        else if (field === 'data') data.push(value);
        else if (field === 'retry') this.retry = Number(value);
      }
      if (data.length > 0) {
        event.data = data.join('\n');
        this.events.push(event);
      }
    }
    this.wake?.();
  }

  async waitFor(check: (client: this) => boolean, what: string, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check(this)) {
      const left = deadline - Date.now();
      if (left <= 0 || this.ended) {
        throw new Error(
          `${what}: not reached (${this.events.length} events, ended: ${this.ended})`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 50));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  waitForEvents(count: number, timeoutMs?: number) {
    return this.waitFor((c) => c.events.length >= count, `${count} events`, timeoutMs);
  }

  json(i: number): Record<string, unknown> {
    return JSON.parse(this.events[i]!.data) as Record<string, unknown>;
  }

  ids(): number[] {
    return this.events.filter((e) => e.id !== undefined).map((e) => Number(e.id));
  }

  close() {
    this.controller.abort();
  }
}

async function connect(url: string, init: RequestInit = {}): Promise<SseClient> {
  const controller = new AbortController();
  const response = await fetch(url, { ...init, signal: controller.signal });
  const client = new SseClient(response, controller);
  cleanups.push(() => client.close());
  return client;
}

function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function expectContiguous(ids: number[], from: number) {
  expect(ids.length).toBeGreaterThan(0);
  expect(ids).toEqual(ids.map((_, i) => from + i));
}

// ---- control panel stream --------------------------------------------------------------------

describe('GET /api/events', () => {
  it('sends SSE headers, a retry hint, numeric ids and named events by the n%10/%7/%5 rule', async () => {
    const { base } = await start({ tickMs: 10, retryMs: 1500 });
    const client = await connect(`${base}/api/events`);
    expect(client.response.status).toBe(200);
    expect(client.response.headers.get('content-type')).toBe('text/event-stream');
    expect(client.response.headers.get('cache-control')).toBe('no-cache');
    expect(client.response.headers.get('x-accel-buffering')).toBe('no');
    await client.waitForEvents(25);
    expect(client.retry).toBe(1500);

    const ids = client.ids();
    expectContiguous(ids, ids[0]!);
    client.events.forEach((event, i) => {
      const data = client.json(i);
      const n = data.counter as number;
      expect(n).toBe(Number(event.id)); // no sent events: ticks own the id sequence
      expect(event.event).toBe(tickType(n));
      expect(data).toMatchObject({
        source: 'server',
        time: expect.stringMatching(/^\d\d:\d\d:\d\d$/),
      });
      expect(typeof data.message).toBe('string');
      if (event.event === 'notification') expect(data.priority).toBe('medium');
      if (event.event === 'alert') expect(data.level).toBe('warning');
      if (event.event === 'update') expect(typeof data.id).toBe('number');
    });
    expect(new Set(client.events.map((e) => e.event))).toEqual(
      new Set(['message', 'notification', 'alert', 'update']),
    );
  });

  it('names ticks with notification before alert before update', () => {
    expect([1, 5, 7, 10, 14, 15, 20, 35, 70].map(tickType)).toEqual([
      'message',
      'update',
      'alert',
      'notification',
      'alert',
      'update',
      'notification',
      'alert',
      'notification',
    ]);
  });

  it('sends a heartbeat comment on idle streams', async () => {
    const { base } = await start({ heartbeatMs: 30 });
    const client = await connect(`${base}/api/events`);
    await client.waitFor((c) => c.comments.length >= 2, 'two heartbeats');
    expect(client.comments[0]).toBe('ping');
    expect(client.events).toHaveLength(0);
  });

  it('answers unknown routes with 404 and wrong methods with 405, both JSON', async () => {
    const { base } = await start();
    const missing = await fetch(`${base}/api/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: expect.any(String) });
    const wrong = await fetch(`${base}/api/send`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toContain('POST');
    expect(await wrong.json()).toEqual({ error: expect.any(String) });
  });

  it('handles only /api paths', async () => {
    const { base } = await start();
    const res = await fetch(`${base}/index.html`);
    expect(res.status).toBe(404); // the harness's fallback, not the app
    expect(await res.text()).toBe('');
  });
});

// ---- POST /api/send --------------------------------------------------------------------------

describe('POST /api/send', () => {
  async function twoClients() {
    const running = await start();
    const a = await connect(`${running.base}/api/events`);
    const b = await connect(`${running.base}/api/events`);
    await until(() => running.app.stats().channelSessions === 2, 'two registered sessions');
    return { ...running, a, b };
  }

  it('broadcasts the event to every connected client with the next id', async () => {
    const { base, app, a, b } = await twoClients();
    const res = await post(`${base}/api/send`, { type: 'alert', message: 'disk almost full' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; id: number };
    expect(body).toMatchObject({ ok: true, id: 1 });

    for (const client of [a, b]) {
      await client.waitForEvents(1);
      expect(client.events[0]).toMatchObject({ event: 'alert', id: '1' });
      expect(client.json(0)).toMatchObject({
        message: 'disk almost full',
        level: 'warning',
        source: 'user',
      });
    }

    const second = await post(`${base}/api/send`, { type: 'update', message: '   ' });
    expect(await second.json()).toMatchObject({ ok: true, id: 2 });
    await a.waitForEvents(2);
    expect(a.events[1]).toMatchObject({ event: 'update', id: '2' });
    expect(a.json(1)).toMatchObject({ message: 'This is a test message of type update' });
    expect(typeof a.json(1).id).toBe('number');
    expect(app.stats().events).toMatchObject({ userSent: 2, latestId: 2 });
  });

  it('shares one id sequence between loop ticks and sent events', async () => {
    const { base } = await start({ tickMs: 10 });
    const client = await connect(`${base}/api/events`);
    await client.waitForEvents(3);
    await post(`${base}/api/send`, { type: 'notification', message: 'deploy done' });
    await client.waitFor(
      (c) => c.events.some((e) => e.data.includes('deploy done')) && c.events.length >= 8,
      'sent event among ticks',
    );
    const ids = client.ids();
    expectContiguous(ids, ids[0]!);
    const sent = client.events.find((e) => e.data.includes('deploy done'))!;
    expect(sent.event).toBe('notification');
    expect(JSON.parse(sent.data)).toMatchObject({ priority: 'high', source: 'user' });
  });

  it.each([
    ['unknown type', { type: 'shout', message: 'hi' }, /type/],
    ['missing type', { message: 'hi' }, /type/],
    ['non-string message', { type: 'message', message: 42 }, /message/],
    ['message over 1000 characters', { type: 'message', message: 'x'.repeat(1001) }, /1000/],
    ['body over 16 KB', { type: 'message', message: 'ok', pad: 'p'.repeat(17 * 1024) }, /bytes/],
    ['invalid JSON', '{"type": "message",', /JSON/],
    ['empty body', '', /empty/],
    ['a JSON array', [{ type: 'message' }], /object/],
  ])('rejects %s with 400 and broadcasts nothing', async (_name, body, pattern) => {
    const { base, app, a, b } = await twoClients();
    const res = await post(`${base}/api/send`, body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/json');
    const payload = (await res.json()) as { error: string };
    expect(payload.error).toMatch(pattern);

    // A valid request afterwards gets id 1: the rejected one neither broadcast nor took an id.
    const ok = await post(`${base}/api/send`, { type: 'message', message: 'after' });
    expect(await ok.json()).toMatchObject({ id: 1 });
    for (const client of [a, b]) {
      await client.waitForEvents(1);
      await sleep(20);
      expect(client.events).toHaveLength(1);
      expect(client.json(0).message).toBe('after');
    }
    expect(app.stats().events.rejected).toBe(1);
  });

  it('accepts a message of exactly 1000 characters', async () => {
    const { base } = await start();
    const res = await post(`${base}/api/send`, { type: 'message', message: 'y'.repeat(1000) });
    expect(res.status).toBe(200);
  });
});

// ---- Last-Event-ID ---------------------------------------------------------------------------

describe('Last-Event-ID replay', () => {
  it('replays exactly the missed events, then continues live, with no gap and no duplicate', async () => {
    const { base, app } = await start({ tickMs: 10 });
    const first = await connect(`${base}/api/events`);
    await first.waitForEvents(5);
    first.close();
    const lastSeen = Number(first.events.at(-1)!.id);
    await until(() => app.stats().events.latestId >= lastSeen + 10, 'ten missed events');

    const again = await connect(`${base}/api/events`, {
      headers: { 'Last-Event-ID': String(lastSeen) },
    });
    const latestAtReconnect = app.stats().events.latestId;
    await again.waitFor(
      (c) => c.ids().some((id) => id >= latestAtReconnect + 5),
      'live events after the replay',
    );
    expectContiguous(again.ids(), lastSeen + 1);
    expect(app.stats().events.replayed).toBeGreaterThanOrEqual(10);
  });

  it('takes the id from ?lastEventId= when there is no header (fresh native EventSource)', async () => {
    const { base, app } = await start();
    for (let i = 0; i < 6; i++) app.send('message', `m${i}`);
    const client = await connect(`${base}/api/events?lastEventId=3`);
    await client.waitForEvents(3);
    expect(client.ids()).toEqual([4, 5, 6]);
    expect(client.events.map((e) => client.json(client.events.indexOf(e)).message)).toEqual([
      'm3',
      'm4',
      'm5',
    ]);
  });

  it('prefers the Last-Event-ID header over the query string', async () => {
    const { base, app } = await start();
    for (let i = 0; i < 6; i++) app.send('message', `m${i}`);
    const client = await connect(`${base}/api/events?lastEventId=1`, {
      headers: { 'Last-Event-ID': '4' },
    });
    await client.waitForEvents(2);
    await sleep(20);
    expect(client.ids()).toEqual([5, 6]);
  });

  it('replays nothing when the client is up to date', async () => {
    const { base, app } = await start();
    for (let i = 0; i < 3; i++) app.send('message', `m${i}`);
    const client = await connect(`${base}/api/events`, { headers: { 'Last-Event-ID': '3' } });
    await until(() => app.stats().channelSessions === 1, 'registration');
    app.send('alert', 'live');
    await client.waitForEvents(1);
    await sleep(20);
    expect(client.ids()).toEqual([4]);
  });

  it.each([['999999'], ['abc'], ['-1'], ['2.5']])(
    'sends replay-unavailable for an unknown id (%s), then live events',
    async (unknown) => {
      const { base, app } = await start();
      for (let i = 0; i < 3; i++) app.send('message', `m${i}`);
      const client = await connect(`${base}/api/events`, { headers: { 'Last-Event-ID': unknown } });
      await client.waitForEvents(1);
      expect(client.events[0]!.event).toBe('replay-unavailable');
      expect(client.events[0]!.id).toBeUndefined();
      expect(client.json(0)).toMatchObject({ lastEventId: unknown, latestId: 3 });
      await until(() => app.stats().channelSessions === 1, 'registration');
      app.send('update', 'live');
      await client.waitForEvents(2);
      expect(client.events[1]).toMatchObject({ event: 'update', id: '4' });
      expect(app.stats().events.replayUnavailable).toBe(1);
    },
  );

  it('treats an id that fell out of the history as unknown', async () => {
    const { base, app } = await start({ historySize: 10 });
    for (let i = 0; i < 25; i++) app.send('message', `m${i}`);
    expect(app.stats().events).toMatchObject({ historySize: 10, oldestId: 16, latestId: 25 });

    const stale = await connect(`${base}/api/events`, { headers: { 'Last-Event-ID': '5' } });
    await stale.waitForEvents(1);
    expect(stale.events[0]!.event).toBe('replay-unavailable');

    // The id just before the oldest kept one can still be resumed losslessly.
    const edge = await connect(`${base}/api/events`, { headers: { 'Last-Event-ID': '15' } });
    await edge.waitForEvents(10);
    expectContiguous(edge.ids(), 16);
  });

  it('loses and repeats nothing over many quick reconnects while events flow fast', async () => {
    const { base, app } = await start({ tickMs: 1 });
    let lastId: string | undefined;
    const seen: number[] = [];
    for (let round = 0; round < 15; round++) {
      const client = await connect(
        `${base}/api/events`,
        lastId ? { headers: { 'Last-Event-ID': lastId } } : {},
      );
      await client.waitForEvents(3 + (round % 4));
      client.close();
      seen.push(...client.ids());
      lastId = String(seen.at(-1));
      // Let a few events happen while disconnected, sometimes none.
      if (round % 3 !== 0) await sleep(round % 5);
    }
    expectContiguous(seen, seen[0]!);
    expect(app.stats().events.replayUnavailable).toBe(0);
  });
});

// ---- persistence -----------------------------------------------------------------------------

describe('history file', () => {
  it('keeps the id sequence and the history across a restart', async () => {
    const file = tempFile('events.jsonl');
    const one = await start({ tickMs: 5, historyFile: file });
    await until(() => one.app.stats().events.latestId >= 20, '20 events');
    one.app.send('alert', 'before restart');
    await one.stop();
    const before = one.app.stats().events;
    expect(fs.readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(before.latestId);

    const two = await start({ tickMs: 5, historyFile: file });
    expect(two.app.stats().events.persisted).toBe(true);
    const client = await connect(`${two.base}/api/events`, { headers: { 'Last-Event-ID': '10' } });
    await client.waitFor(
      (c) => c.ids().some((id) => id >= before.latestId + 5),
      'replay plus new events',
    );
    expectContiguous(client.ids(), 11);
    const sent = client.events.find((e) => e.data.includes('before restart'))!;
    expect(Number(sent.id)).toBe(before.latestId);
    // The loop's counter continues too: the first tick after the restart is the next n.
    const firstNew = client.events.find((e) => Number(e.id) === before.latestId + 1)!;
    expect(JSON.parse(firstNew.data).counter).toBe(before.ticks + 1);
    expect(firstNew.event).toBe(tickType(before.ticks + 1));
  });

  it('appends every event as it happens, so an abrupt stop loses nothing', async () => {
    const file = tempFile('events.jsonl');
    const { app } = await start({ historyFile: file });
    app.send('message', 'one');
    app.send('update', 'two');
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.map((line) => JSON.parse(line).id)).toEqual([1, 2]);
  });

  it('skips a torn last line and keeps going from the last good id', async () => {
    const file = tempFile('events.jsonl');
    const good = [1, 2, 3].map((id) =>
      JSON.stringify({ id, type: 'message', data: { message: `m${id}`, source: 'user' } }),
    );
    fs.writeFileSync(file, good.join('\n') + '\n{"id":4,"type":"mess');
    const { app, base } = await start({ historyFile: file });
    expect(app.stats().events).toMatchObject({ latestId: 3, historySize: 3 });
    const client = await connect(`${base}/api/events`, { headers: { 'Last-Event-ID': '1' } });
    await until(() => app.stats().channelSessions === 1, 'registration');
    expect((await app.send('alert', 'next')).id).toBe(4);
    await client.waitForEvents(3);
    expect(client.ids()).toEqual([2, 3, 4]);
  });

  it('compacts the file to the history size', async () => {
    const file = tempFile('events.jsonl');
    const one = await start({ historyFile: file, historySize: 5 });
    for (let i = 0; i < 23; i++) one.app.send('message', `m${i}`);
    expect(fs.readFileSync(file, 'utf8').trim().split('\n').length).toBeLessThanOrEqual(10);
    await one.app.close();
    const ids = fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).id);
    expect(ids).toEqual([19, 20, 21, 22, 23]);
  });
});

// ---- resources -------------------------------------------------------------------------------

/** Opens a stream with node:http (no connection pool), reads its first bytes, then drops it. */
function cycle(
  base: string,
  pathname: string,
  headers: Record<string, string> = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${pathname}`, { agent: false, headers }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
      res.once('error', () => {});
    });
    req.on('error', (error) => {
      if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(error);
    });
  });
}

describe('cleanup', () => {
  it('1,000 connect/disconnect cycles leave no sessions, timers or handles behind', async () => {
    const { base, app, server } = await start({ tickMs: 5, heartbeatMs: 1000 });
    for (let i = 0; i < 20; i++) await cycle(base, '/api/events');
    await until(() => app.stats().connections.total === 0, 'warm-up streams closed');
    await sleep(50);
    const before = {
      resources: process.getActiveResourcesInfo().length,
      timers: app.stats().timers,
      requestListeners: server.listenerCount('request'),
    };

    const started = Date.now();
    const paths = ['/api/events', '/api/events', '/api/dashboard?rate=500', '/api/events'];
    let n = 0;
    const worker = async () => {
      while (n < 1000) {
        const i = n++;
        const headers: Record<string, string> = i % 8 === 1 ? { 'Last-Event-ID': '1' } : {};
        await cycle(base, paths[i % paths.length]!, headers);
      }
    };
    await Promise.all(Array.from({ length: 10 }, worker));
    await until(() => app.stats().connections.total === 0, 'all streams closed', 5000);
    await sleep(100);
    const elapsed = Date.now() - started;

    const stats = app.stats();
    expect(stats.channelSessions).toBe(0);
    expect(stats.opened).toBe(1020);
    expect(stats.closed).toBe(1020);
    expect(stats.timers).toBe(before.timers);
    expect(server.listenerCount('request')).toBe(before.requestListeners);
    await until(
      () => process.getActiveResourcesInfo().length <= before.resources + 3,
      `active resources back near ${before.resources} (now ${process.getActiveResourcesInfo().length})`,
    );
    expect(elapsed).toBeLessThan(20_000);
  }, 30_000);

  it('forgets clients that vanish before their stream is open', async () => {
    // Drive the app from a server that drops each client at awkward moments: before the request
    // reaches the app, and after the app started the stream but before its head went out.
    const app = createDemoApp({ tickMs: 0, heartbeatMs: 0 });
    let n = 0;
    const server = http.createServer((req, res) => {
      if (n++ % 2 === 0) {
        req.socket.destroy();
        req.once('close', () => setTimeout(() => app.handle(req, res), 1));
      } else {
        setImmediate(() => {
          app.handle(req, res);
          req.socket.destroy();
        });
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => closeDemoServer(app, server));
    const { port } = server.address() as AddressInfo;
    const targets = ['/api/events', '/api/dashboard?rate=1000', '/api/events?lastEventId=0'];
    for (let i = 0; i < 30; i++) {
      await new Promise<void>((resolve) => {
        const req = http.get({ host: '127.0.0.1', port, path: targets[i % 3], agent: false });
        req.on('error', () => resolve());
        req.on('close', () => resolve());
      });
    }
    await sleep(50);
    expect(app.stats()).toMatchObject({ channelSessions: 0, timers: 0, opened: 0 });
    expect(app.stats().connections.total).toBe(0);
  });

  it('close() ends open streams, stops the loop and refuses new requests', async () => {
    const running = await start({ tickMs: 5 });
    const events = await connect(`${running.base}/api/events`);
    const dashboard = await connect(`${running.base}/api/dashboard?rate=200`);
    await events.waitForEvents(2);
    await running.app.close();
    await events.waitFor((c) => c.ended, 'events stream ended');
    await dashboard.waitFor((c) => c.ended, 'dashboard stream ended');
    const stats = running.app.stats();
    expect(stats).toMatchObject({ timers: 0, channelSessions: 0 });
    expect(stats.connections.total).toBe(0);
    const latest = stats.events.latestId;
    await sleep(30);
    expect(running.app.stats().events.latestId).toBe(latest);
    const refused = await fetch(`${running.base}/api/stats`);
    expect(refused.status).toBe(503);
  });

  it('POST /api/disconnect ends control-panel streams so clients reconnect and resume', async () => {
    const { base, app } = await start({ tickMs: 5 });
    const client = await connect(`${base}/api/events`);
    await client.waitForEvents(3);
    const res = await fetch(`${base}/api/disconnect`, { method: 'POST' });
    expect(await res.json()).toEqual({ ok: true, closed: 1 });
    await client.waitFor((c) => c.ended, 'stream ended by the server');
    await until(() => app.stats().connections.events === 0, 'stream forgotten');
  });
});

// ---- dashboard -------------------------------------------------------------------------------

describe('GET /api/dashboard', () => {
  it('delivers about `rate` events per second across all metric types', async () => {
    const { base, app } = await start();
    const client = await connect(`${base}/api/dashboard?rate=1000`);
    expect(client.response.headers.get('content-type')).toBe('text/event-stream');
    expect(client.response.headers.get('x-dashboard-rate')).toBe('1000');
    await client.waitForEvents(1);
    const from = client.events.length;
    await sleep(1000);
    const count = client.events.length - from;
    expect(count).toBeGreaterThanOrEqual(500);
    expect(count).toBeLessThanOrEqual(1500);
    expect(new Set(client.events.map((e) => e.event))).toEqual(new Set(DASHBOARD_EVENT_TYPES));
    const seqs = client.events.map((_, i) => client.json(i).seq as number);
    expectContiguous(seqs, 1);
    for (let i = 0; i < client.events.length; i++) {
      const data = client.json(i);
      expect(typeof data.t).toBe('number');
      if (client.events[i]!.event === 'alert') expect(typeof data.level).toBe('string');
      else expect(typeof data.value).toBe('number');
    }
    expect(app.stats().connections.dashboard).toBe(1);
  });

  it('keeps up with 5,000 events per second', async () => {
    const { base } = await start();
    const client = await connect(`${base}/api/dashboard?rate=5000`);
    await client.waitForEvents(1);
    const from = client.events.length;
    await sleep(1000);
    expect(client.events.length - from).toBeGreaterThanOrEqual(2500);
  });

  it.each([
    ['999999', '5000'],
    ['0', '1'],
    ['-5', '1'],
    ['abc', '100'],
    ['', '100'],
  ])('clamps rate=%s to %s', async (rate, expected) => {
    const { base } = await start();
    const client = await connect(`${base}/api/dashboard?rate=${rate}`);
    expect(client.response.headers.get('x-dashboard-rate')).toBe(expected);
  });

  it('is independent of the control-panel history', async () => {
    const { base, app } = await start();
    const client = await connect(`${base}/api/dashboard?rate=2000`);
    await client.waitForEvents(100);
    expect(app.stats().events.latestId).toBe(0);
    expect(client.events.every((e) => e.id === undefined)).toBe(true);
  });
});

// ---- chat ------------------------------------------------------------------------------------

describe('POST /api/chat', () => {
  const messages = [{ role: 'user', content: 'What are Server-Sent Events?' }];
  const auth = { Authorization: 'Bearer demo-token' };

  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { Authorization: 'Bearer nope' }],
    ['another scheme', { Authorization: 'Basic ZGVtbzp0b2tlbg==' }],
  ])('answers 401 JSON for %s', async (_name, headers) => {
    const { base, app } = await start();
    const res = await post(`${base}/api/chat`, { messages }, headers);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await res.json()).toEqual({ error: expect.any(String) });
    expect(app.stats().chat.unauthorized).toBe(1);
  });

  it.each([
    ['no messages', {}],
    ['an empty list', { messages: [] }],
    ['a message without content', { messages: [{ role: 'user' }] }],
    ['invalid JSON', '{"messages": ['],
  ])('answers 400 for %s', async (_name, body) => {
    const { base } = await start();
    const res = await post(`${base}/api/chat`, body, auth);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: expect.any(String) });
  });

  it('streams the whole answer as chat.completion.chunk events, then [DONE]', async () => {
    const { base, app } = await start({ chatDelayMs: 1 });
    const client = await connect(`${base}/api/chat`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...auth },
      body: JSON.stringify({ model: 'any', stream: true, messages }),
    });
    expect(client.response.status).toBe(200);
    expect(client.response.headers.get('content-type')).toBe('text/event-stream');
    await client.waitFor((c) => c.ended, 'stream end', 10_000);

    const last = client.events.at(-1)!;
    expect(last.data).toBe('[DONE]');
    const chunks = client.events.slice(0, -1).map((e) => JSON.parse(e.data));
    const expected = answerFor(messages).text;
    expect(chunks).toHaveLength(tokenize(expected).length);
    for (const c of chunks) {
      expect(c).toMatchObject({
        id: expect.stringMatching(/^chatcmpl-/),
        object: 'chat.completion.chunk',
        choices: [{ index: 0, delta: { content: expect.any(String) } }],
      });
    }
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks.at(-1).choices[0].finish_reason).toBe('stop');
    expect(chunks.map((c) => c.choices[0].delta.content).join('')).toBe(expected);
    // Each id names the reply and the number of tokens so far.
    expect(client.events.slice(0, -1).map((e) => Number(e.id!.split('.')[1]))).toEqual(
      chunks.map((_, i) => i + 1),
    );
    await until(() => app.stats().chat.active === 0, 'chat stream closed');
    expect(app.stats().chat).toMatchObject({ completed: 1, aborted: 0, tokensSent: chunks.length });
  });

  it('picks the answer by the last user message', async () => {
    expect(answerFor([{ role: 'user', content: 'How does reconnect work?' }]).topic).toBe(
      'reconnect',
    );
    expect(answerFor([{ role: 'user', content: 'SSE vs WebSocket?' }]).topic).toBe('websocket');
    expect(answerFor([{ role: 'user', content: 'Which nginx headers?' }]).topic).toBe('headers');
    expect(answerFor(messages).topic).toBe('overview');
    for (const { text } of [answerFor(messages)]) expect(tokenize(text).join('')).toBe(text);
  });

  it('stops generating as soon as the client aborts', async () => {
    const { base, app } = await start({ chatDelayMs: 10, chatBurst: 1 });
    const timersBefore = app.stats().timers;
    const client = await connect(`${base}/api/chat`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ messages }),
    });
    await client.waitForEvents(3);
    client.close();
    await until(() => app.stats().chat.aborted === 1, 'abort seen by the server');
    const stats = app.stats();
    expect(stats.chat).toMatchObject({ active: 0, completed: 0 });
    expect(stats.timers).toBe(timersBefore);
    const sent = stats.chat.tokensSent;
    expect(sent).toBeLessThan(tokenize(answerFor(messages).text).length);
    await sleep(60);
    expect(app.stats().chat.tokensSent).toBe(sent);
  });

  it('resumes the same answer after a Last-Event-ID', async () => {
    const { base } = await start({ chatDelayMs: 0 });
    const client = await connect(`${base}/api/chat`, {
      method: 'POST',
      headers: { ...auth, 'Last-Event-ID': '5' },
      body: JSON.stringify({ messages }),
    });
    await client.waitFor((c) => c.ended, 'stream end', 10_000);
    const chunks = client.events.slice(0, -1);
    expect(chunks[0]!.id).toMatch(/^[0-9a-f]{16}\.6$/);
    const text = chunks.map((e) => JSON.parse(e.data).choices[0].delta.content).join('');
    expect(text).toBe(tokenize(answerFor(messages).text).slice(5).join(''));
  });

  it('uses the token given in the options', async () => {
    const { base } = await start({ chatToken: 's3cret', chatDelayMs: 0 });
    expect((await post(`${base}/api/chat`, { messages }, auth)).status).toBe(401);
    const ok = await post(`${base}/api/chat`, { messages }, { Authorization: 'Bearer s3cret' });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/data: ?\[DONE\]\n\n$/);
  });
});

// ---- stats -----------------------------------------------------------------------------------

describe('GET /api/stats', () => {
  it('reports open connections per route and counters as JSON', async () => {
    const { base, app } = await start();
    await connect(`${base}/api/events`);
    await connect(`${base}/api/events`);
    await connect(`${base}/api/dashboard?rate=10`);
    await until(() => app.stats().connections.total === 3, 'three streams');
    const res = await fetch(`${base}/api/stats`);
    expect(res.status).toBe(200);
    const stats = await res.json();
    expect(stats).toMatchObject({
      connections: { events: 2, dashboard: 1, chat: 0, total: 3 },
      channelSessions: 2,
      events: { latestId: 0, historySize: 0, persisted: false },
      chat: { requests: 0, aborted: 0 },
    });
  });
});
