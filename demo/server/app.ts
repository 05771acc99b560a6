import type { IncomingMessage, ServerResponse } from 'node:http';
import { createChannel, type Session } from 'better-sse';
import { EventHistory, HistoryLog, type StoredEvent } from './history.js';
import { openStream, createBuffer, writeBuffer } from './sse.js';
import { readValidJson, sendJson, sendError, applyCors, answerPreflight } from './http.js';
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
    /** POST /api/send requests answered 400. */
    rejected: number;
  };
  dashboard: { eventsSent: number; dropped: number };
  chat: ChatStats & { active: number };
}

export interface DemoApp {
  /** Serves a request if its path is under /api (returns true); otherwise returns false untouched. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Stops timers, ends every open stream and writes the history file. Idempotent. */
  close(): Promise<void>;
  stats(): DemoStats;
  /** Broadcasts a control-panel event as POST /api/send does; returns what was stored. */
  send(type: PanelEventType, message: string): StoredEvent;
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

function headerValue(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? '';
}

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

  const history = new EventHistory(options.historySize ?? 1000);
  const historyLog = options.historyFile ? new HistoryLog(options.historyFile, history) : undefined;
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

  const channel = createChannel();
  const streams = new Set<Stream>();
  const timers = new Set<NodeJS.Timeout>();
  let closing = false;
  let closed: Promise<void> | undefined;

  const counts = {
    opened: 0,
    closed: 0,
    ticks: 0,
    userSent: 0,
    delivered: 0,
    replayed: 0,
    replayUnavailable: 0,
    sendRejected: 0,
    dashboardSent: 0,
    dashboardDropped: 0,
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

  /** Allocates the next id, stores the event, then writes it to every registered session. */
  const emit = (type: string, data: Record<string, unknown>): StoredEvent => {
    const event: StoredEvent = { id: history.latestId + 1, type, data };
    history.push(event);
    try {
      historyLog?.append(event);
    } catch (error) {
      log(`history: append failed: ${(error as Error).message}`);
    }
    counts.delivered += channel.sessionCount;
    channel.broadcast(data, type, { eventId: String(event.id) });
    return event;
  };

  const runTick = () => {
    tick += 1;
    counts.ticks += 1;
    emit(tickType(tick), tickPayload(tick));
  };

  const send = (type: PanelEventType, message: string) => {
    counts.userSent += 1;
    return emit(type, userPayload(type, message));
  };

  async function handleEvents(req: IncomingMessage, res: ServerResponse, url: URL) {
    // EventSource sends Last-Event-ID on its own reconnects; a fresh native EventSource can only
    // pass it in the query string.
    const lastId =
      headerValue(req.headers['last-event-id']) ||
      (url.searchParams.get('lastEventId') ?? '').trim();
    const session = await openStream(req, res, { retry: retryMs });
    if (!session) return;
    if (closing) {
      res.end();
      return;
    }
    track('events', session, res);
    // Replay and registration happen in one synchronous step: every event issued before this point
    // is in the history (so it is replayed) and every later one is broadcast to the registered
    // session, so none is sent twice and none is skipped.
    if (lastId !== '') {
      const missed = history.since(lastId);
      const buffer = createBuffer();
      if (missed === null) {
        counts.replayUnavailable += 1;
        buffer
          .event('replay-unavailable')
          .data({
            lastEventId: lastId,
            latestId: history.latestId,
            oldestId: history.oldestId ?? null,
            message: `Event id ${JSON.stringify(lastId)} is not in the server's history; missed events cannot be replayed.`,
          })
          .dispatch();
      } else {
        for (const event of missed) buffer.push(event.data, event.type, String(event.id));
        counts.replayed += missed.length;
        counts.delivered += missed.length;
      }
      if (buffer.read() !== '') writeBuffer(session, buffer);
    }
    channel.register(session);
  }

  async function handleSend(req: IncomingMessage, res: ServerResponse) {
    const request = await readValidJson(req, res, SEND_BODY_LIMIT, parseSendRequest);
    if (!request) {
      counts.sendRejected += 1;
      return;
    }
    const event = send(request.type, request.message);
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
    const timer = every(dashboardTickMs, () => {
      const expected = Math.floor(((performance.now() - start) * rate) / 1000);
      const count = expected - due;
      if (count <= 0) return;
      due = expected;
      if (res.writableLength > DASHBOARD_BACKLOG_LIMIT) {
        counts.dashboardDropped += count;
        return;
      }
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
    applyCors(req, res);
    if (req.method === 'OPTIONS') {
      answerPreflight(req, res);
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
    Promise.resolve()
      .then(() => route.handler(req, res, url))
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
      for (const stream of streams) if (stream.route !== 'chat') writeBuffer(stream.session, ping);
    });
  }

  function stats(): DemoStats {
    const connections = { events: 0, dashboard: 0, chat: 0, total: streams.size };
    for (const stream of streams) connections[stream.route] += 1;
    return {
      uptimeMs: Date.now() - startedAt,
      connections,
      channelSessions: channel.sessionCount,
      opened: counts.opened,
      closed: counts.closed,
      timers: timers.size,
      events: {
        latestId: history.latestId,
        oldestId: history.oldestId ?? null,
        historySize: history.length,
        persisted: historyLog !== undefined,
        ticks: counts.ticks,
        userSent: counts.userSent,
        delivered: counts.delivered,
        replayed: counts.replayed,
        replayUnavailable: counts.replayUnavailable,
        rejected: counts.sendRejected,
      },
      dashboard: { eventsSent: counts.dashboardSent, dropped: counts.dashboardDropped },
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
    historyLog?.close();
  }

  return {
    handle,
    stats,
    send,
    close() {
      closed ??= shutdown();
      return closed;
    },
  };
}
