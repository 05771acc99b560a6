import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Session } from 'better-sse';
import { EventHistory, HistoryLog, type StoredEvent } from './history.js';
import { openStream, createBuffer, writeBuffer } from './sse.js';
import { lastEventIdOf, readValidJson, sendJson, sendError } from './http.js';
import { EventFanout } from './fanout.js';
import { RedisEventLog } from './redisLog.js';
import {
  answerPreflight,
  applyCors,
  createSiteCheck,
  isJsonContentType,
  type SiteOptions,
} from './site.js';
import {
  parseSendRequest,
  tickPayload,
  tickType,
  userPayload,
  SEND_BODY_LIMIT,
  type PanelEventType,
} from './controlPanel.js';
import { DashboardFeed, parseRate } from './dashboard.js';
import { createChatService, type ChatStats } from './chat.js';

export interface DemoAppOptions {
  /** Control-panel loop period in ms; 0 or false disables the loop. Default 1000. */
  tickMs?: number | false;
  /** Period of the `: ping` comment on every open stream, in ms; 0 or false disables. Default 15000. */
  heartbeatMs?: number | false;
  /** `retry:` hint sent first on the control-panel and dashboard streams, in ms. Default 2000. */
  retryMs?: number;
  /** Control-panel events kept for Last-Event-ID replay. Default 1000. */
  historySize?: number;
  /** JSON-lines file the history (and so the id sequence) is kept in across restarts. */
  historyFile?: string;
  /** Dashboard events per second when the request gives no `?rate=`. Default 100. */
  dashboardRate?: number;
  /** Period of the dashboard's batch timer, in ms. Default 10. */
  dashboardTickMs?: number;
  /** Bearer token /api/chat requires. Default 'demo-token'. */
  chatToken?: string;
  /** Delay between chat token bursts, in ms. Default 15. */
  chatDelayMs?: number;
  /** Largest number of tokens written at once (each burst takes 1..chatBurst). Default 3. */
  chatBurst?: number;
  /** Where to report noteworthy things (history loaded, request failures). Default: nowhere. */
  log?: (message: string) => void;
  /**
   * Bytes a control-panel response may hold unsent; past it nothing more is written to that
   * client until it reads (the rest waits in the history). Default 256 KiB, at least 16 KiB.
   */
  maxQueueBytes?: number;
  /**
   * A client that stays at `maxQueueBytes` (a dashboard client: at its 1 MB backlog) this long
   * (ms) is disconnected. Default 10000.
   */
  slowClientMs?: number;
  /** Pages of these origins may call the API too (CORS without credentials). Default: none. */
  allowedOrigins?: SiteOptions['allowedOrigins'];
  /** `Host` names accepted besides the bound address and `localhost`. Default: none. */
  allowedHosts?: SiteOptions['allowedHosts'];
  /**
   * `redis://...`: the control-panel events live in a Redis stream shared by every process with
   * the same `redisKey`, instead of in memory and `historyFile`. Unset: one process, in memory.
   */
  redisUrl?: string;
  /** Key prefix in Redis. Default 'sse-hooks-demo'. */
  redisKey?: string;
}

export type StreamRoute = 'events' | 'dashboard' | 'chat';

export interface DemoStats {
  uptimeMs: number;
  /** Open SSE responses per route. */
  connections: Record<StreamRoute, number> & { total: number };
  /** Sessions registered with the control panel's broadcast channel. */
  channelSessions: number;
  /** SSE responses opened and closed since start, all routes. */
  opened: number;
  closed: number;
  /** Interval and timeout handles the app currently holds (loop, heartbeat, per-stream timers). */
  timers: number;
  events: {
    /** Last id issued (shared by loop ticks and sent events). */
    latestId: number;
    oldestId: number | null;
    historySize: number;
    persisted: boolean;
    ticks: number;
    userSent: number;
    /** Events written to clients (one per event per client), replays included. */
    delivered: number;
    replayed: number;
    replayUnavailable: number;
    /** POST /api/send requests answered 400 or 415. */
    rejected: number;
    /** Where the events live: this process's memory, or a Redis stream shared by processes. */
    store: 'memory' | 'redis';
    /** Bytes written to control-panel streams that their clients have not taken yet. */
    queuedBytes: number;
    /** Clients disconnected for staying at the send-queue bound too long. */
    slowDisconnected: number;
    /** Streams ended because the history turned over before a slow client caught up. */
    fellBehind: number;
  };
  /** API requests refused by the Host/Origin checks. */
  refused: number;
  /** This process's memory (`process.memoryUsage()`), bytes. */
  memory: { rss: number; heapUsed: number; external: number; arrayBuffers: number };
  /** Batches dropped for readers over 1 MB behind; readers dropped for staying there. */
  dashboard: { eventsSent: number; dropped: number; slowDisconnected: number };
  chat: ChatStats & { active: number };
}

export interface DemoApp {
  /** Serves a request if its path is under /api (returns true); otherwise returns false untouched. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /**
   * Resolves when the event log is loaded (at once in memory; after connecting with Redis);
   * rejects when Redis cannot be reached. Requests wait for it.
   */
  ready: Promise<void>;
  /** Stops timers, ends every open stream and writes the history file. Idempotent. */
  close(): Promise<void>;
  stats(): DemoStats;
  /**
   * Broadcasts a control-panel event as POST /api/send does; resolves with what was stored. In
   * memory the event has reached every client's stream when this returns.
   */
  send(type: PanelEventType, message: string): Promise<StoredEvent>;
}

interface Stream {
  route: StreamRoute;
  session: Session;
  res: ServerResponse;
  /** Frees the stream's own timers; called once, on disconnect or app close. */
  release: () => void;
}

const off = (value: number | false | undefined, fallback: number) =>
  value === false ? 0 : value === undefined ? fallback : Math.max(0, value);

/** Slow dashboard readers have their batches dropped beyond this much unsent output. */
const DASHBOARD_BACKLOG_LIMIT = 1024 * 1024;
/** Below Node's default high-water mark a full response would never emit 'drain'. */
const MIN_QUEUE_BYTES = 16 * 1024;

export function createDemoApp(options: DemoAppOptions = {}): DemoApp {
  const tickMs = off(options.tickMs, 1000);
  const heartbeatMs = off(options.heartbeatMs, 15_000);
  const retryMs = options.retryMs ?? 2000;
  const dashboardRate = options.dashboardRate ?? 100;
  const dashboardTickMs = Math.max(1, options.dashboardTickMs ?? 10);
  const chatToken = options.chatToken ?? 'demo-token';
  const chatDelayMs = Math.max(0, options.chatDelayMs ?? 15);
  const chatBurst = Math.max(1, Math.floor(options.chatBurst ?? 3));
  const log = options.log ?? (() => {});
  const startedAt = Date.now();
  const checkSite = createSiteCheck({
    allowedOrigins: options.allowedOrigins,
    allowedHosts: options.allowedHosts,
  });

  const history = new EventHistory(options.historySize ?? 1000);
  const shared = options.redisUrl
    ? new RedisEventLog({
        url: options.redisUrl,
        key: options.redisKey ?? 'sse-hooks-demo',
        maxLength: history.capacity,
        log,
      })
    : undefined;
  const historyLog =
    options.historyFile && !shared ? new HistoryLog(options.historyFile, history) : undefined;
  if (historyLog) {
    const { loaded, skipped } = historyLog.load();
    log(
      `history: ${loaded} events loaded from ${historyLog.file}` +
        (skipped ? ` (${skipped} unreadable lines skipped)` : '') +
        `, next id ${history.latestId + 1}`,
    );
  }
  // The loop's counter continues from the last server event kept.
  let tick = 0;
  for (const event of history.toArray()) {
    const counter = event.data.counter;
    if (event.data.source === 'server' && typeof counter === 'number') tick = counter;
  }

  const slowClientMs = Math.max(0, options.slowClientMs ?? 10_000);
  const fanout = new EventFanout({
    history,
    maxQueueBytes: Math.max(MIN_QUEUE_BYTES, options.maxQueueBytes ?? 256 * 1024),
    slowClientMs,
    readOlder: shared && ((afterId, limit) => shared.read(afterId, limit)),
    log,
  });
  const ready: Promise<void> = shared
    ? shared
        .start(history, () => fanout.notify())
        .then(() =>
          log(
            `events: Redis stream at ${options.redisUrl}, ${history.length} recent events loaded, ` +
              `latest id ${history.latestId}`,
          ),
        )
    : Promise.resolve();
  // Observed here so an unreachable Redis is not an unhandled rejection; callers still see it.
  ready.catch(() => {});
  const streams = new Set<Stream>();
  const timers = new Set<NodeJS.Timeout>();
  let closing = false;
  let closed: Promise<void> | undefined;

  const counts = {
    opened: 0,
    closed: 0,
    ticks: 0,
    userSent: 0,
    replayUnavailable: 0,
    sendRejected: 0,
    refused: 0,
    dashboardSent: 0,
    dashboardDropped: 0,
    dashboardSlow: 0,
  };

  const every = (ms: number, fn: () => void) => {
    const timer = setInterval(fn, ms);
    timers.add(timer);
    return timer;
  };
  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
    return timer;
  };
  const stop = (timer: NodeJS.Timeout | undefined) => {
    if (timer === undefined) return;
    clearTimeout(timer);
    timers.delete(timer);
  };

  /** Registers an open stream; it is forgotten (and its timers freed) when it disconnects. */
  const track = (route: StreamRoute, session: Session, res: ServerResponse, release = () => {}) => {
    const stream: Stream = { route, session, res, release };
    streams.add(stream);
    counts.opened += 1;
    session.once('disconnected', () => {
      streams.delete(stream);
      counts.closed += 1;
      stream.release();
    });
    return stream;
  };

  // ---- control panel -------------------------------------------------------------------------

  /** In memory: allocates the next id, stores the event and writes it to every open stream. */
  const emitLocal = (type: string, data: Record<string, unknown>): StoredEvent => {
    const event: StoredEvent = { id: history.latestId + 1, type, data };
    history.push(event);
    try {
      historyLog?.append(event);
    } catch (error) {
      log(`history: append failed: ${(error as Error).message}`);
    }
    fanout.notify();
    return event;
  };

  /** With Redis the event reaches this process's streams, as every other's, through the stream. */
  const emit = (type: string, data: Record<string, unknown>): Promise<StoredEvent> =>
    shared ? shared.append(type, data) : Promise.resolve(emitLocal(type, data));

  // With Redis the loop runs in one process at a time: the holder of a lease it renews each tick,
  // taken over by another process within a few ticks when the holder dies.
  const owner = randomUUID();
  let tickPending = false;
  let lastTickError = '';
  const runTick = () => {
    if (!shared) {
      tick += 1;
      counts.ticks += 1;
      emitLocal(tickType(tick), tickPayload(tick));
      return;
    }
    if (tickPending) return;
    tickPending = true;
    shared
      .nextTick(owner, Math.max(3 * tickMs, 1000))
      .then(async (n) => {
        if (n !== null && !closing) {
          counts.ticks += 1;
          await shared.append(tickType(n), tickPayload(n));
        }
        lastTickError = '';
      })
      .catch((error: unknown) => {
        // Once per outage, not once per tick.
        const message = (error as Error).message;
        if (message !== lastTickError) log(`loop: ${message}`);
        lastTickError = message;
      })
      .finally(() => (tickPending = false));
  };

  const send = (type: PanelEventType, message: string) => {
    counts.userSent += 1;
    return emit(type, userPayload(type, message));
  };

  /**
   * Where a stream starts: after the client's Last-Event-ID when every later event can be given,
   * else (no id, or one that cannot be resumed) after the latest one.
   */
  async function startingPoint(lastId: string): Promise<{ cursor: number; unavailable: boolean }> {
    if (lastId === '' || history.since(lastId) !== null) {
      return { cursor: lastId === '' ? history.latestId : Number(lastId), unavailable: false };
    }
    // Beyond what this process holds: the shared log may hold it, or this process's copy may not
    // have caught up yet with an id the client saw on another process.
    if (shared && /^\d{1,15}$/.test(lastId) && (await shared.covers(Number(lastId)))) {
      return { cursor: Number(lastId), unavailable: false };
    }
    return { cursor: history.latestId, unavailable: true };
  }

  async function handleEvents(req: IncomingMessage, res: ServerResponse) {
    const lastId = lastEventIdOf(req);
    const session = await openStream(req, res, { retry: retryMs });
    if (!session) return;
    if (closing) {
      res.end();
      return;
    }
    const stream = track('events', session, res);
    const start = await startingPoint(lastId);
    if (!session.isConnected || closing) return;
    if (start.unavailable) {
      counts.replayUnavailable += 1;
      const buffer = createBuffer()
        .event('replay-unavailable')
        .data({
          lastEventId: lastId,
          latestId: history.latestId,
          oldestId: history.oldestId ?? null,
          message: `Event id ${JSON.stringify(lastId)} is not in the server's history; missed events cannot be replayed.`,
        })
        .dispatch();
      res.write(buffer.read());
    }
    // Replay and live events come through the same cursor: none is sent twice, none skipped.
    stream.release = fanout.add(
      res,
      start.cursor,
      `${req.socket.remoteAddress}:${req.socket.remotePort}`,
    );
  }

  let lastSendError = '';
  async function handleSend(req: IncomingMessage, res: ServerResponse) {
    // Only JSON: a cross-site HTML form can send text/plain or form bodies without a preflight.
    if (!isJsonContentType(req.headers['content-type'])) {
      counts.sendRejected += 1;
      req.resume();
      sendError(res, 415, 'POST /api/send takes a JSON body (Content-Type: application/json)', {
        'Accept-Post': 'application/json',
      });
      return;
    }
    const request = await readValidJson(req, res, SEND_BODY_LIMIT, parseSendRequest);
    if (!request) {
      counts.sendRejected += 1;
      return;
    }
    let event: StoredEvent;
    try {
      event = await send(request.type, request.message);
      lastSendError = '';
    } catch (error) {
      const message = (error as Error).message;
      if (message !== lastSendError) log(`send failed: ${message}`);
      lastSendError = message;
      sendError(res, 503, 'the event log is unavailable', { 'Retry-After': '1' });
      return;
    }
    sendJson(res, 200, { ok: true, id: event.id, type: event.type, data: event.data });
  }

  // ---- dashboard -----------------------------------------------------------------------------

  async function handleDashboard(req: IncomingMessage, res: ServerResponse, url: URL) {
    const rate = parseRate(url.searchParams.get('rate'), dashboardRate);
    const session = await openStream(req, res, {
      retry: retryMs,
      headers: { 'X-Dashboard-Rate': String(rate) },
    });
    if (!session) return;
    if (closing) {
      res.end();
      return;
    }
    const feed = new DashboardFeed();
    const start = performance.now();
    let due = 0;
    let behindSince: number | undefined;
    const timer = every(dashboardTickMs, () => {
      const now = performance.now();
      const expected = Math.floor(((now - start) * rate) / 1000);
      const count = expected - due;
      if (count <= 0) return;
      due = expected;
      if (res.writableLength > DASHBOARD_BACKLOG_LIMIT) {
        counts.dashboardDropped += count;
        behindSince ??= now;
        if (now - behindSince >= slowClientMs) {
          // Metrics have no ids: a reader this far behind gains nothing from the stream it has.
          counts.dashboardSlow += 1;
          log(
            `slow dashboard client ${req.socket.remoteAddress}:${req.socket.remotePort} disconnected: ` +
              `${res.writableLength} bytes unsent for ${Math.round(now - behindSince)} ms`,
          );
          stop(timer);
          res.destroy();
        }
        return;
      }
      behindSince = undefined;
      const buffer = createBuffer();
      feed.write(buffer, count);
      counts.dashboardSent += count;
      writeBuffer(session, buffer);
    });
    track('dashboard', session, res, () => stop(timer));
  }

  // ---- chat ----------------------------------------------------------------------------------

  const chat = createChatService({
    token: chatToken,
    delayMs: chatDelayMs,
    burst: chatBurst,
    track: (session, res, release) => track('chat', session, res, release),
    later,
    stop,
    closing: () => closing,
  });

  // ---- routing -------------------------------------------------------------------------------

  type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;
  const routes: Record<string, { method: string; handler: Handler }> = {
    '/api/events': { method: 'GET', handler: handleEvents },
    '/api/send': { method: 'POST', handler: handleSend },
    '/api/dashboard': { method: 'GET', handler: handleDashboard },
    '/api/chat': { method: 'POST', handler: chat.handlePost },
    '/api/chat/stream': { method: 'GET', handler: chat.handleResume },
    '/api/stats': { method: 'GET', handler: (_req, res) => sendJson(res, 200, stats()) },
    // Ends every control-panel stream, as a server restart would; clients reconnect and resume.
    '/api/disconnect': {
      method: 'POST',
      handler: (req, res) => {
        req.resume();
        let count = 0;
        for (const stream of streams) {
          if (stream.route !== 'events') continue;
          stream.res.end();
          count += 1;
        }
        sendJson(res, 200, { ok: true, closed: count });
      },
    },
  };

  function handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/api' && !url.pathname.startsWith('/api/')) return false;
    const site = checkSite(req);
    if (!site.ok) {
      counts.refused += 1;
      req.resume();
      res.setHeader('Vary', 'Origin');
      sendError(res, site.status, site.message);
      return true;
    }
    applyCors(res, site.cors);
    if (req.method === 'OPTIONS') {
      answerPreflight(req, res, site.cors);
      return true;
    }
    const route = routes[url.pathname.replace(/\/+$/, '')];
    if (!route) {
      req.resume();
      sendError(res, 404, `no API route ${url.pathname}`);
      return true;
    }
    if (req.method !== route.method) {
      req.resume();
      sendError(res, 405, `${url.pathname} expects ${route.method}`, {
        Allow: `${route.method}, OPTIONS`,
      });
      return true;
    }
    if (closing) {
      req.resume();
      sendError(res, 503, 'server is shutting down', { 'Retry-After': '1' });
      return true;
    }
    ready
      .then(
        () => route.handler(req, res, url),
        (error: unknown) => {
          req.resume();
          sendError(res, 503, `the event log is unavailable: ${(error as Error).message}`, {
            'Retry-After': '1',
          });
        },
      )
      .catch((error: unknown) => {
        log(`${req.method} ${url.pathname} failed: ${(error as Error).stack ?? String(error)}`);
        if (!res.headersSent) sendError(res, 500, 'internal error');
        else res.destroy();
      });
    return true;
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  const ping = createBuffer().comment(' ping').dispatch();
  if (tickMs > 0) every(tickMs, runTick);
  if (heartbeatMs > 0) {
    every(heartbeatMs, () => {
      for (const stream of streams) {
        // A stalled stream already has output waiting: a ping would only add to it.
        if (stream.route !== 'chat' && fanout.hasRoom(stream.res)) {
          writeBuffer(stream.session, ping);
        }
      }
    });
  }

  function stats(): DemoStats {
    const connections = { events: 0, dashboard: 0, chat: 0, total: streams.size };
    for (const stream of streams) connections[stream.route] += 1;
    return {
      uptimeMs: Date.now() - startedAt,
      connections,
      channelSessions: fanout.size,
      opened: counts.opened,
      closed: counts.closed,
      timers: timers.size + fanout.timerCount(),
      events: {
        latestId: history.latestId,
        oldestId: history.oldestId ?? null,
        historySize: history.length,
        persisted: historyLog !== undefined,
        ticks: counts.ticks,
        userSent: counts.userSent,
        delivered: fanout.counts.delivered,
        replayed: fanout.counts.replayed,
        replayUnavailable: counts.replayUnavailable,
        rejected: counts.sendRejected,
        store: shared ? 'redis' : 'memory',
        queuedBytes: fanout.queuedBytes(),
        slowDisconnected: fanout.counts.slowDisconnected,
        fellBehind: fanout.counts.fellBehind,
      },
      refused: counts.refused,
      memory: (({ rss, heapUsed, external, arrayBuffers }) => ({
        rss,
        heapUsed,
        external,
        arrayBuffers,
      }))(process.memoryUsage()),
      dashboard: {
        eventsSent: counts.dashboardSent,
        dropped: counts.dashboardDropped,
        slowDisconnected: counts.dashboardSlow,
      },
      chat: { ...chat.stats(), active: connections.chat },
    };
  }

  async function shutdown(): Promise<void> {
    closing = true;
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    const open = [...streams];
    const gone = open.map(
      (stream) =>
        new Promise<void>((resolve) => {
          if (!stream.session.isConnected) resolve();
          else stream.session.once('disconnected', () => resolve());
        }),
    );
    for (const stream of open) {
      stream.release();
      stream.release = () => {};
      stream.res.end();
    }
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(gone),
      new Promise<void>((resolve) => {
        timeout = setTimeout(resolve, 2000);
      }),
    ]);
    clearTimeout(timeout);
    for (const stream of streams) stream.res.destroy();
    fanout.close();
    historyLog?.close();
    if (shared) {
      await ready.catch(() => {});
      await shared.close();
    }
  }

  return {
    handle,
    ready,
    stats,
    send,
    close() {
      closed ??= shutdown();
      return closed;
    },
  };
}
