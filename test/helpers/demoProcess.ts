import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DemoStats } from '../../demo/server/app';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** `demo/server/main.ts` in a child process, as `npm run demo` runs it (through tsx). */
export interface DemoProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly base: string;
  /** Everything it printed so far. */
  output(): string;
  stats(): Promise<DemoStats>;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `ms`. */
  stop(ms?: number): Promise<void>;
  /** SIGKILL at once: a crash, no shutdown. */
  kill(): Promise<void>;
}

let staticDir: string | undefined;

/** A folder with a placeholder index.html, so the process runs in static mode (no Vite). */
function placeholderSite(): string {
  if (!staticDir) {
    staticDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sse-demo-site-'));
    fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>demo</title>');
    process.once('exit', () => fs.rmSync(staticDir!, { recursive: true, force: true }));
  }
  return staticDir;
}

export async function startDemoProcess(
  env: Record<string, string>,
  { vite = false, startMs = 20_000 }: { vite?: boolean; startMs?: number } = {},
): Promise<DemoProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'demo/server/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      DEMO_HISTORY_FILE: 'off',
      ...(vite ? {} : { DEMO_STATIC: placeholderSite() }),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`demo server printed no address in ${startMs} ms:\n${output}`));
    }, startMs);
    const check = () => {
      const match = /sse-hooks demo: http:\/\/127\.0\.0\.1:(\d+)\//.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`demo server exited (${code}) before listening:\n${output}`));
    });
  });
  const base = `http://127.0.0.1:${port}`;
  const waitExit = (ms: number) =>
    Promise.race([exited.then(() => true), new Promise<false>((r) => setTimeout(r, ms, false))]);
  return {
    child,
    port,
    base,
    output: () => output,
    exited,
    async stats() {
      const res = await fetch(`${base}/api/stats`);
      if (!res.ok) throw new Error(`/api/stats answered ${res.status}`);
      return (await res.json()) as DemoStats;
    },
    async stop(ms = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      if (!(await waitExit(ms))) {
        child.kill('SIGKILL');
        await waitExit(2000);
      }
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await waitExit(2000);
    },
  };
}
