import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createStaticHandler } from '../../demo/server/static';

// Runs demo/server/main.ts as `npm run demo` would (through tsx), in static mode so no Vite starts.

const ROOT = path.resolve(import.meta.dirname, '../..');
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sse-demo-main-'));
  dirs.push(dir);
  return dir;
}

interface Started {
  child: ChildProcess;
  base: string;
  output: () => string;
  exited: Promise<number | null>;
}

async function startMain(args: string[], env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'demo/server/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no address printed:\n${output}`)), 15_000);
    const check = () => {
      const match = /sse-hooks demo: (http:\/\/127\.0\.0\.1:\d+)\//.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => reject(new Error(`exited early:\n${output}`)));
  });
  return { child, base, output: () => output, exited };
}

async function readEvents(url: string, headers: Record<string, string>, minIds: number) {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + 5000;
  while ((text.match(/^id:/gm) ?? []).length < minIds && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  controller.abort();
  return { res, text, ids: [...text.matchAll(/^id: ?(\d+)$/gm)].map((m) => Number(m[1])) };
}

describe('demo/server/main.ts', () => {
  it('serves a static build and the API on one port, and shuts down cleanly on SIGTERM', async () => {
    const dir = tempDir();
    const site = path.join(dir, 'site');
    fs.mkdirSync(path.join(site, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(site, 'index.html'), '<!doctype html><title>demo</title>');
    fs.writeFileSync(path.join(site, 'assets', 'app-1234.js'), 'console.log(1)');
    const historyFile = path.join(dir, 'events.jsonl');
    const env = { DEMO_HISTORY_FILE: historyFile, DEMO_TICK_MS: '20' };

    const first = await startMain(['--static', site], env);
    expect(first.output()).toContain('static files');
    const page = await fetch(`${first.base}/control-panel`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>demo</title>');
    const asset = await fetch(`${first.base}/assets/app-1234.js`);
    expect(asset.headers.get('content-type')).toContain('javascript');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${first.base}/assets/missing.js`)).status).toBe(404);

    const before = await readEvents(`${first.base}/api/events`, {}, 5);
    expect(before.res.headers.get('content-type')).toBe('text/event-stream');
    const lastSeen = before.ids.at(-1)!;

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const saved = fs.readFileSync(historyFile, 'utf8').trim().split('\n');
    const savedLatest = JSON.parse(saved.at(-1)!).id as number;
    expect(savedLatest).toBeGreaterThanOrEqual(lastSeen);

    // A restarted server continues the sequence and replays what the client missed.
    const second = await startMain([], { ...env, DEMO_STATIC: site });
    const after = await readEvents(
      `${second.base}/api/events`,
      { 'Last-Event-ID': String(lastSeen) },
      savedLatest - lastSeen + 5,
    );
    expect(after.ids).toEqual(after.ids.map((_, i) => lastSeen + 1 + i));
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  }, 40_000);

  it('refuses a static folder without index.html', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, ['--import', 'tsx', 'demo/server/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', DEMO_STATIC: dir, DEMO_HISTORY_FILE: 'off' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(output).toContain('no index.html');
  }, 20_000);
});

describe('createStaticHandler', () => {
  it('stays inside its folder and falls back to index.html only for page routes', async () => {
    const dir = tempDir();
    const site = path.join(dir, 'site');
    fs.mkdirSync(site);
    fs.writeFileSync(path.join(site, 'index.html'), 'INDEX');
    fs.writeFileSync(path.join(dir, 'secret.txt'), 'SECRET');
    const server = http.createServer(createStaticHandler(site));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const get = (rawPath: string, method = 'GET') =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, path: rawPath, method }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      expect(await get('/')).toEqual({ status: 200, body: 'INDEX' });
      expect(await get('/dashboard/live')).toEqual({ status: 200, body: 'INDEX' });
      expect((await get('/../secret.txt')).body).not.toContain('SECRET');
      expect((await get('/..%2fsecret.txt')).body).not.toContain('SECRET');
      expect((await get('/%2e%2e/secret.txt')).body).not.toContain('SECRET');
      expect((await get('/nope.png')).status).toBe(404);
      expect((await get('/', 'POST')).status).toBe(405);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
