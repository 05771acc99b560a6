import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ARTIFACTS = path.join(ROOT, 'artifacts/e2e');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Rejects with a readable message when `promise` takes longer than `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `ms`. */
export async function poll<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  ms: number,
  what: string,
  every = 100,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const reason = last instanceof Error ? ` (last error: ${last.message})` : '';
      throw new Error(`${what}: not true after ${ms} ms${reason}`);
    }
    await sleep(every);
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Every child this runner started, so an exit path can always kill what is left. */
const children = new Set<ChildProcess>();

export function killChildren(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
}

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Builds the demo app once, with the project's Vite, into dist-demo. */
export async function buildDemo(ms: number): Promise<void> {
  const vite = path.join(ROOT, 'node_modules/vite/bin/vite.js');
  const child = track(
    spawn(
      process.execPath,
      [vite, 'build', '--config', 'demo/vite.config.ts', '--logLevel', 'warn'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    ),
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = await waitForExit(child, ms);
  if (!exited) {
    child.kill('SIGKILL');
    throw new Error(`vite build did not finish in ${ms} ms\n${output}`);
  }
  if (child.exitCode !== 0) throw new Error(`vite build failed (${child.exitCode})\n${output}`);
  if (!fs.existsSync(path.join(ROOT, 'dist-demo/index.html'))) {
    throw new Error('vite build wrote no dist-demo/index.html');
  }
}

/**
 * The demo server as a child process serving the built app. Its control-panel history lives in a
 * file, so a restart on the same port continues the same id sequence and can replay.
 */
export class DemoServer {
  private child: ChildProcess | null = null;
  private output = '';

  constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get running(): boolean {
    return this.child !== null;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Recent server output, for failure reports. */
  tail(lines = 20): string {
    return this.output.split('\n').slice(-lines).join('\n');
  }

  async start(ms = 20_000): Promise<void> {
    if (this.child) throw new Error('demo server already running');
    const child = track(
      spawn(process.execPath, ['--import', 'tsx', 'demo/server/main.ts'], {
        cwd: ROOT,
        env: {
          ...process.env,
          PORT: String(this.port),
          HOST: '127.0.0.1',
          DEMO_STATIC: 'dist-demo',
          ...this.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.once('exit', () => {
      if (this.child === child) this.child = null;
    });
    await poll(
      async () => {
        if (child.exitCode !== null) {
          throw new Error(`demo server exited with ${child.exitCode}\n${this.tail()}`);
        }
        const response = await fetch(`${this.url}/api/stats`);
        return response.ok;
      },
      ms,
      'demo server start',
      100,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${this.tail()}`);
    });
  }

  /** SIGTERM (a graceful shutdown), SIGKILL if it has not exited after `ms`. */
  async stop(ms = 8000): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGTERM');
    if (!(await waitForExit(child, ms))) {
      child.kill('SIGKILL');
      await waitForExit(child, 2000);
    }
    this.child = null;
  }

  async stats(): Promise<DemoStats> {
    const response = await fetch(`${this.url}/api/stats`);
    if (!response.ok) throw new Error(`/api/stats answered ${response.status}`);
    return (await response.json()) as DemoStats;
  }
}

/** The part of GET /api/stats the scenarios read. */
export interface DemoStats {
  connections: { events: number; dashboard: number; chat: number; total: number };
  events: { latestId: number } & Record<string, unknown>;
}

export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    timeout: 30_000,
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, timeout: 10_000 });
  return path.relative(ROOT, file);
}
