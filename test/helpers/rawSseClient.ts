import http from 'node:http';

/**
 * An event-stream reader on node:http that can stop reading: while paused, the socket is not read,
 * so the server's writes pile up in the kernel and then in the server, as with a stuck client.
 * It keeps only complete events (an event cut by a dropped connection is discarded, as the spec
 * says) and exposes their ids.
 */
export class RawSseClient {
  /** Ids of the complete events received, in order. */
  readonly ids: number[] = [];
  status = 0;
  ended = false;
  private text = '';
  private res: http.IncomingMessage | undefined;
  private readonly req: http.ClientRequest;
  private readonly done: Promise<void>;
  private readonly opened: Promise<void>;

  constructor(url: string, headers: Record<string, string> = {}, paused = false) {
    let resolveDone!: () => void;
    this.done = new Promise((resolve) => (resolveDone = resolve));
    let resolveOpen!: () => void;
    let rejectOpen!: (error: Error) => void;
    this.opened = new Promise((resolve, reject) => {
      resolveOpen = resolve;
      rejectOpen = reject;
    });
    const finish = () => {
      this.ended = true;
      resolveDone();
    };
    this.req = http.get(url, {
      headers: { Accept: 'text/event-stream', ...headers },
      agent: false,
    });
    this.req.on('response', (res) => {
      this.res = res;
      this.status = res.statusCode ?? 0;
      if (paused) res.pause();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => this.feed(chunk));
      res.on('end', finish);
      res.on('aborted', finish);
      res.on('error', finish);
      res.on('close', finish);
      resolveOpen();
    });
    this.req.on('error', (error) => {
      rejectOpen(error);
      finish();
    });
  }

  private feed(chunk: string): void {
    this.text += chunk;
    let cut: number;
    while ((cut = this.text.indexOf('\n\n')) >= 0) {
      const block = this.text.slice(0, cut);
      this.text = this.text.slice(cut + 2);
      const id = /^id: ?(\d+)$/m.exec(block);
      if (id && /^data:/m.test(block)) this.ids.push(Number(id[1]));
    }
  }

  /** Resolves once the response head arrived. */
  open(): Promise<void> {
    return this.opened;
  }

  pause(): void {
    this.res?.pause();
  }

  resume(): void {
    this.res?.resume();
  }

  /** Resolves when the server ended or dropped the stream, or after `ms` (then rejects). */
  async waitEnd(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.done,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`stream still open after ${ms} ms`)), ms);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  /** Resolves when an event with id >= `id` arrived; rejects after `ms` or if the stream ends. */
  async until(id: number, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while ((this.ids.at(-1) ?? -1) < id) {
      if (this.ended) throw new Error(`stream ended at id ${this.ids.at(-1)} before ${id}`);
      if (Date.now() > deadline) throw new Error(`id ${id} not reached in ${ms} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  close(): void {
    this.req.destroy();
  }
}

/** Whether `ids` is exactly from, from+1, ..., to. */
export function isRange(ids: readonly number[], from: number, to: number): boolean {
  if (ids.length !== to - from + 1) return false;
  return ids.every((id, i) => id === from + i);
}
