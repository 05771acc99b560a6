import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createDemoApp, type DemoApp, type DemoAppOptions } from '../../demo/server/app';
import { hostName } from '../../demo/server/site';
import { launchBrowser } from '../../e2e/lib';
import { serveDemoApp } from '../helpers/demoApp';
import { startDemoProcess } from '../helpers/demoProcess';

const ROOT = path.resolve(import.meta.dirname, '../..');

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(options: DemoAppOptions = {}) {
  const app: DemoApp = createDemoApp({ tickMs: 0, heartbeatMs: 0, ...options });
  const served = await serveDemoApp(app);
  cleanups.push(served.stop);
  return { app, port: served.port, base: served.base };
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** node:http, because fetch does not let a caller choose the Host header. */
function request(
  port: number,
  method: string,
  urlPath: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path: urlPath, headers, agent: false },
      (res) => {
        // A stream that was accepted stays open: the head is all these tests need.
        if (res.headers['content-type'] === 'text/event-stream') {
          resolve({ status: res.statusCode!, headers: res.headers, body: '' });
          req.destroy();
          return;
        }
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const json = { 'Content-Type': 'application/json' };
const alert = JSON.stringify({ type: 'alert', message: 'injected' });

describe('the API refuses what another site could send', () => {
  it('refuses a cross-origin POST /api/send with 403 and broadcasts nothing', async () => {
    const { app, port } = await start();
    const res = await request(
      port,
      'POST',
      '/api/send',
      { ...json, Origin: 'http://evil.example' },
      alert,
    );
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error).toMatch(/origin "http:\/\/evil\.example" is not allowed/);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(app.stats().events.latestId).toBe(0);
    expect(app.stats().refused).toBe(1);

    // `Origin: null` (sandboxed frames, file: pages) is foreign too.
    const opaque = await request(port, 'POST', '/api/send', { ...json, Origin: 'null' }, alert);
    expect(opaque.status).toBe(403);
    // So is a preflight from another origin: no CORS headers, nothing allowed.
    const preflight = await request(port, 'OPTIONS', '/api/send', {
      Origin: 'http://evil.example',
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'content-type',
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it.each([
    ['text/plain (an HTML form with enctype=text/plain)', 'text/plain'],
    ['a URL-encoded form', 'application/x-www-form-urlencoded'],
    ['a multipart form', 'multipart/form-data; boundary=x'],
    ['no Content-Type', undefined],
  ])('refuses %s on /api/send with 415, even from its own origin', async (_name, type) => {
    const { app, port } = await start();
    const headers: Record<string, string> = { Origin: `http://127.0.0.1:${port}` };
    if (type) headers['Content-Type'] = type;
    const res = await request(port, 'POST', '/api/send', headers, alert);
    expect(res.status).toBe(415);
    expect(JSON.parse(res.body).error).toMatch(/application\/json/);
    expect(app.stats().events).toMatchObject({ latestId: 0, rejected: 1 });
  });

  it('refuses a request naming a foreign Host (DNS rebinding) on every route', async () => {
    const { app, port } = await start();
    for (const [method, route] of [
      ['GET', '/api/events'],
      ['GET', '/api/stats'],
      ['POST', '/api/send'],
      ['POST', '/api/disconnect'],
    ] as const) {
      const res = await request(
        port,
        method,
        route,
        { ...json, Host: `rebound.attacker.example:${port}` },
        method === 'POST' ? alert : undefined,
      );
      expect(res.status, `${method} ${route}`).toBe(403);
      expect(JSON.parse(res.body).error).toMatch(/Host "rebound\.attacker\.example:\d+"/);
    }
    expect(app.stats().events.latestId).toBe(0);
    expect(app.stats().connections.events).toBe(0);
  });

  it('serves its own origin and the loopback names of its address', async () => {
    const { app, port } = await start();
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'localhost']) {
      const res = await request(port, 'GET', '/api/stats', { Host: host });
      expect(res.status, host).toBe(200);
    }
    const own = await request(
      port,
      'POST',
      '/api/send',
      { ...json, Origin: `http://localhost:${port}`, Host: `localhost:${port}` },
      alert,
    );
    expect(own.status).toBe(200);
    expect(own.headers['access-control-allow-origin']).toBeUndefined();
    // The default port may be written in Host and left out of Origin.
    const defaultPort = await request(port, 'GET', '/api/stats', {
      Host: 'localhost:80',
      Origin: 'http://localhost',
    });
    expect(defaultPort.status).toBe(200);
    // A same-origin EventSource sends no Origin; Sec-Fetch-Site says where it came from.
    const stream = await request(port, 'GET', '/api/events', { 'Sec-Fetch-Site': 'same-origin' });
    expect(stream.status).toBe(200);
    const linked = await request(port, 'GET', '/api/events', { 'Sec-Fetch-Site': 'cross-site' });
    expect(linked.status).toBe(403);
    expect(app.stats().events.latestId).toBe(1);
  });

  it('lets listed origins in with CORS but never with credentials, and listed hosts', async () => {
    const { port } = await start({
      allowedOrigins: ['https://tools.example'],
      allowedHosts: ['demo.example'],
    });
    const preflight = await request(port, 'OPTIONS', '/api/send', {
      Origin: 'https://tools.example',
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'content-type',
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://tools.example');
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
    const sent = await request(
      port,
      'POST',
      '/api/send',
      { ...json, Origin: 'https://tools.example' },
      alert,
    );
    expect(sent.status).toBe(200);
    expect(sent.headers['access-control-allow-origin']).toBe('https://tools.example');
    expect(sent.headers['access-control-allow-credentials']).toBeUndefined();
    expect(sent.headers.vary).toContain('Origin');

    const other = await request(port, 'GET', '/api/stats', {
      Origin: 'https://tools.example.evil',
    });
    expect(other.status).toBe(403);
    expect((await request(port, 'GET', '/api/stats', { Host: 'demo.example' })).status).toBe(200);
    expect((await request(port, 'GET', '/api/stats', { Host: 'other.example' })).status).toBe(403);
  });

  it('refuses an allowed origin that is not a URL at startup', () => {
    expect(() => createDemoApp({ allowedOrigins: ['not a url'] })).toThrow(/not a URL/);
  });

  it('reads host names from Host headers strictly', () => {
    expect(hostName('Example.COM:8080')).toBe('example.com');
    expect(hostName('[::1]:80')).toBe('[::1]');
    expect(hostName('[::1]')).toBe('[::1]');
    expect(hostName('a.example:80x')).toBe('');
    expect(hostName('a@b.example')).toBe('');
    expect(hostName('[::1]x')).toBe('');
    expect(hostName('')).toBe('');
  });
});

describe('in Chromium, a page of another site', () => {
  it('cannot inject events with a text/plain form or a no-cors fetch', async () => {
    const { app, port } = await start();
    const target = `http://127.0.0.1:${port}/api/send`;
    // The classic JSON-through-a-form trick: the field name holds the JSON, `=` lands in a string.
    const page = `<!doctype html><form id="f" method="POST" action="${target}" enctype="text/plain">
      <input name='{"type":"alert","message":"from a form","x":"' value='"}'></form>
      <script>
        fetch(${JSON.stringify(target)}, { method: 'POST', mode: 'no-cors',
          headers: { 'Content-Type': 'text/plain' }, body: ${JSON.stringify(alert)} })
          .finally(() => document.getElementById('f').submit());
      </script>`;
    const attacker = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(page);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => attacker.close(() => resolve())));
    const attackerPort = (attacker.address() as AddressInfo).port;

    const browser = await launchBrowser();
    cleanups.push(() => browser.close());
    const tab = await browser.newPage();
    const answered = tab.waitForResponse(
      (r) =>
        r.url() === target &&
        r.request().method() === 'POST' &&
        r.request().resourceType() === 'document',
    );
    // `localhost` and `127.0.0.1` are different sites.
    await tab.goto(`http://localhost:${attackerPort}/`);
    const answer = await answered;
    expect(answer.status()).toBe(403);
    await expect.poll(() => app.stats().refused, { timeout: 5000 }).toBe(2);
    expect(app.stats().events.latestId).toBe(0);
  }, 40_000);
});

describe("Vite's dev middleware", () => {
  it('serves the demo and the library source but nothing else of the checkout', async () => {
    const server = await startDemoProcess({}, { vite: true });
    cleanups.push(() => server.stop());
    const get = (p: string, headers: Record<string, string> = {}) =>
      request(server.port, 'GET', p, headers);

    expect((await get('/')).status).toBe(200);
    // The app still loads: its entry and everything it imports (React from Vite's dependency
    // cache, the library's source) are served.
    const entry = await get('/src/main.tsx');
    expect(entry.status).toBe(200);
    const imports = [...entry.body.matchAll(/from ["']([^"']+)["']/g)].map((m) => m[1]!);
    expect(imports).toContain(`/@fs${ROOT}/src/index.ts`);
    expect(imports.some((i) => i.includes('/.vite/deps/react'))).toBe(true);
    for (const url of imports) expect((await get(url)).status, url).toBe(200);
    for (const outside of [
      `/@fs${ROOT}/package.json`,
      `/@fs${ROOT}/README.md`,
      `/@fs${ROOT}/demo/../package.json`,
      '/@fs/etc/passwd',
    ]) {
      expect(fs.existsSync(outside.slice('/@fs'.length)), outside).toBe(true);
      const res = await get(outside);
      expect(res.status, outside).toBe(403);
      expect(res.body).not.toContain('"devDependencies"');
    }
    // Vite checks Host on its own routes too.
    expect((await get('/', { Host: `rebound.attacker.example:${server.port}` })).status).toBe(403);
  }, 40_000);
});
