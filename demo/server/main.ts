/**
 * `npm run demo`: one process, one port, serving the demo app and its SSE API.
 *
 *   PORT, HOST             where to listen (default 127.0.0.1:5173)
 *   DEMO_STATIC=<dir>      serve a built demo (e.g. dist-demo) instead of Vite; same as --static <dir>
 *   DEMO_HISTORY_FILE      control-panel history file (default demo/.data/events.jsonl; "off" disables)
 *   DEMO_TICK_MS, DEMO_HEARTBEAT_MS, DEMO_RETRY_MS, DEMO_HISTORY_SIZE, DEMO_DASHBOARD_RATE,
 *   DEMO_CHAT_TOKEN, DEMO_CHAT_DELAY_MS, DEMO_MAX_QUEUE_BYTES, DEMO_SLOW_CLIENT_MS
 *                          override the app's defaults
 *   DEMO_ALLOWED_ORIGINS, DEMO_ALLOWED_HOSTS   comma-separated origins / Host names let in besides
 *                          the demo's own
 *   SSE_REDIS_URL          share the control-panel events with other processes through a Redis
 *                          stream (SSE_REDIS_KEY: key prefix) instead of memory + history file
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDemoApp, type DemoAppOptions } from './app.js';
import { createStaticHandler } from './static.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const VITE_CONFIG = path.join(ROOT, 'demo/vite.config.ts');

function fail(message: string): never {
  console.error(`sse-hooks demo: ${message}`);
  process.exit(1);
}

function envNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    fail(`${name} must be a non-negative number, got "${raw}"`);
  return value;
}

function staticDir(): string | undefined {
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--static') {
      const value = args[i + 1];
      if (!value || value.startsWith('--'))
        fail('--static needs a directory, e.g. --static dist-demo');
      return value;
    }
    if (arg.startsWith('--static=')) return arg.slice('--static='.length);
  }
  const env = process.env.DEMO_STATIC?.trim();
  return env ? env : undefined;
}

const FALLBACK_PAGE = `<!doctype html>
<meta charset="utf-8">
<title>sse-hooks demo</title>
<h1>sse-hooks demo server</h1>
<p>The demo app is not here yet (<code>demo/vite.config.ts</code> is missing); the SSE API works:</p>
<ul>
  <li><a href="/api/events">GET /api/events</a>: control-panel stream (Last-Event-ID resume)</li>
  <li>POST /api/send <code>{"type":"alert","message":"hi"}</code></li>
  <li><a href="/api/dashboard?rate=100">GET /api/dashboard?rate=100</a>: metrics stream</li>
  <li>POST /api/chat with <code>Authorization: Bearer demo-token</code>: token stream</li>
  <li><a href="/api/stats">GET /api/stats</a></li>
</ul>
`;

async function main(): Promise<void> {
  const port = envNumber('PORT') ?? 5173;
  const host = process.env.HOST?.trim() || '127.0.0.1';
  const historySetting = process.env.DEMO_HISTORY_FILE?.trim();
  const historyFile =
    historySetting === 'off' || historySetting === 'none'
      ? undefined
      : path.resolve(historySetting || path.join(ROOT, 'demo/.data/events.jsonl'));

  const list = (name: string) =>
    (process.env[name] ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  const redisUrl = process.env.SSE_REDIS_URL?.trim() || undefined;
  if (redisUrl && historySetting && historySetting !== 'off' && historySetting !== 'none') {
    console.log('sse-hooks demo: DEMO_HISTORY_FILE is not used with SSE_REDIS_URL');
  }
  const options: DemoAppOptions = {
    tickMs: envNumber('DEMO_TICK_MS'),
    heartbeatMs: envNumber('DEMO_HEARTBEAT_MS'),
    retryMs: envNumber('DEMO_RETRY_MS'),
    historySize: envNumber('DEMO_HISTORY_SIZE'),
    dashboardRate: envNumber('DEMO_DASHBOARD_RATE'),
    chatDelayMs: envNumber('DEMO_CHAT_DELAY_MS'),
    chatToken: process.env.DEMO_CHAT_TOKEN?.trim() || undefined,
    maxQueueBytes: envNumber('DEMO_MAX_QUEUE_BYTES'),
    slowClientMs: envNumber('DEMO_SLOW_CLIENT_MS'),
    allowedOrigins: list('DEMO_ALLOWED_ORIGINS'),
    allowedHosts: list('DEMO_ALLOWED_HOSTS'),
    // With Redis the stream is the history: a file per process would fork it.
    historyFile: redisUrl ? undefined : historyFile,
    redisUrl,
    redisKey: process.env.SSE_REDIS_KEY?.trim() || undefined,
    log: (message) => console.log(`sse-hooks demo: ${message}`),
  };
  let app: ReturnType<typeof createDemoApp>;
  try {
    app = createDemoApp(options);
  } catch (error) {
    fail((error as Error).message);
  }
  try {
    await app.ready;
  } catch (error) {
    await app.close();
    fail((error as Error).message);
  }
  const server = http.createServer();

  let serveRest: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  let mode: string;
  let closeVite = async () => {};
  const dir = staticDir();
  if (dir) {
    const resolved = path.resolve(dir);
    if (!fs.existsSync(path.join(resolved, 'index.html'))) {
      await app.close();
      fail(`no index.html in ${resolved} (build the demo first: npm run build:demo)`);
    }
    serveRest = createStaticHandler(resolved);
    mode = `static files from ${path.relative(process.cwd(), resolved) || '.'}`;
  } else if (fs.existsSync(VITE_CONFIG)) {
    const { createServer } = await import('vite');
    const vite = await createServer({
      configFile: VITE_CONFIG,
      server: { middlewareMode: true, ws: { server } },
      appType: 'spa',
    });
    closeVite = () => vite.close();
    serveRest = (req, res) =>
      vite.middlewares(req, res, () => {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('Not Found\n');
      });
    mode = 'Vite dev middleware';
  } else {
    console.warn(
      `sse-hooks demo: ${path.relative(ROOT, VITE_CONFIG)} not found; serving the API and a placeholder page only`,
    );
    serveRest = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(FALLBACK_PAGE);
    };
    mode = 'API only';
  }

  server.on('request', (req, res) => {
    if (!app.handle(req, res)) serveRest(req, res);
  });

  await new Promise<void>((resolve) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') fail(`port ${port} on ${host} is already in use (set PORT)`);
      fail(error.message);
    });
    server.listen(port, host, resolve);
  });
  const address = server.address();
  const shownPort = typeof address === 'object' && address ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  console.log(`sse-hooks demo: http://${shownHost}:${shownPort}/ (${mode})`);

  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    // A terminal's Ctrl-C can reach this process twice (directly and relayed by a wrapper): the
    // shutdown already under way is bounded, so a repeated signal changes nothing.
    if (stopping) return;
    stopping = true;
    console.log(`sse-hooks demo: ${signal}, shutting down`);
    setTimeout(() => {
      console.error('sse-hooks demo: shutdown took over 5 s, exiting');
      process.exit(1);
    }, 5000).unref();
    server.close();
    await app.close();
    await closeVite();
    server.closeAllConnections();
    process.exit(0);
  };
  process.on('SIGINT', (signal) => void shutdown(signal));
  process.on('SIGTERM', (signal) => void shutdown(signal));
}

main().catch((error: unknown) => fail((error as Error).stack ?? String(error)));
