import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';

/** A private redis-server on 127.0.0.1, no persistence, stopped by its PID. */
export interface RedisProcess {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function redisServerPath(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const bin = found.stdout.trim();
  return found.status === 0 && bin !== '' ? bin : undefined;
}

async function startOnce(bin: string, port: number): Promise<RedisProcess | undefined> {
  const child: ChildProcess = spawn(
    bin,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'yes',
      '--loglevel',
      'warning',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 5000;
  for (;;) {
    if (child.exitCode !== null) {
      // Most likely another process took the port between the probe and the start.
      if (/in use|bind/i.test(output)) return undefined;
      throw new Error(`redis-server exited (${child.exitCode}):\n${output}`);
    }
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.write('PING\r\n');
        socket.once('data', (d: Buffer) => {
          socket.destroy();
          resolve(d.toString().startsWith('+PONG'));
        });
      });
      socket.once('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline) {
      process.kill(child.pid!, 'SIGKILL');
      throw new Error(`redis-server did not answer in 5 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(child.pid!, 'SIGTERM');
      const done = await Promise.race([
        exited.then(() => true),
        new Promise<false>((r) => setTimeout(r, 3000, false)),
      ]);
      if (!done) {
        process.kill(child.pid!, 'SIGKILL');
        await exited;
      }
    },
  };
}

/**
 * Starts redis-server on a random port, or on `port` (to bring one back where it was). Throws when
 * it is not installed.
 */
export async function startRedis(port?: number): Promise<RedisProcess> {
  const bin = redisServerPath();
  if (!bin) throw new Error('redis-server is not installed: apt-get install -y redis-server');
  for (let attempt = 0; attempt < 5; attempt++) {
    const redis = await startOnce(bin, port ?? (await freePort()));
    if (redis) return redis;
    if (port !== undefined) break;
  }
  throw new Error('redis-server: no free port after 5 attempts');
}
