import type { TabChannel, TabLocks } from '../../src/core/tabs.js';

/** What a rejected lock request or a stolen lock rejects with, as in browsers. */
const abortError = () =>
  Object.assign(new Error('The request was aborted.'), { name: 'AbortError' });

interface Waiter {
  client: number;
  callback: (lock: unknown) => unknown;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

interface Holder extends Waiter {
  /** Breaks the hold (stolen, or its tab crashed): the request's promise rejects. */
  broken: boolean;
}

/**
 * The Web Locks API of one browser, for several fake tabs: exclusive locks granted in request
 * order, `ifAvailable`, `steal`, `signal`, and a tab crash that releases everything it held.
 * Grants happen in microtasks, as the browser's do in tasks of their own.
 */
export class FakeLockManager {
  readonly #held = new Map<string, Holder>();
  readonly #queues = new Map<string, Waiter[]>();
  #clients = 0;

  /** The `navigator.locks` of one tab. */
  client(): TabLocks & { readonly id: number } {
    const id = ++this.#clients;
    return {
      id,
      request: (name, options, callback) =>
        new Promise((resolve, reject) => {
          const waiter: Waiter = { client: id, callback, resolve, reject };
          const held = this.#held.get(name);
          if (options.ifAvailable && (held || this.#queue(name).length)) {
            queueMicrotask(() => {
              Promise.resolve()
                .then(() => callback(null))
                .then(resolve, reject);
            });
            return;
          }
          if (options.steal) {
            if (held) {
              held.broken = true;
              this.#held.delete(name);
              held.reject(abortError());
            }
            this.#grant(name, waiter);
            return;
          }
          if (options.signal?.aborted) return reject(abortError());
          options.signal?.addEventListener('abort', () => {
            const queue = this.#queue(name);
            const at = queue.indexOf(waiter);
            if (at >= 0) {
              queue.splice(at, 1);
              reject(abortError());
            }
          });
          this.#queue(name).push(waiter);
          this.#next(name);
        }),
    };
  }

  /** The tab of `client` crashed: its locks are released and its queued requests dropped. */
  crash(client: number): void {
    for (const [name, queue] of this.#queues) {
      this.#queues.set(
        name,
        queue.filter((w) => w.client !== client),
      );
    }
    for (const [name, held] of [...this.#held]) {
      if (held.client !== client) continue;
      held.broken = true;
      this.#held.delete(name);
      this.#next(name);
    }
  }

  /** The tabs (clients) holding a lock whose name ends with `suffix` (default: any). */
  holders(filter: (name: string) => boolean = () => true): number[] {
    return [...this.#held].filter(([name]) => filter(name)).map(([, held]) => held.client);
  }

  /** Who holds `name`, and how many wait for it. */
  state(name: string): { holder: number | null; waiting: number } {
    return { holder: this.#held.get(name)?.client ?? null, waiting: this.#queue(name).length };
  }

  #queue(name: string): Waiter[] {
    let queue = this.#queues.get(name);
    if (!queue) this.#queues.set(name, (queue = []));
    return queue;
  }

  #next(name: string): void {
    queueMicrotask(() => {
      if (this.#held.has(name)) return;
      const waiter = this.#queue(name).shift();
      if (waiter) this.#grant(name, waiter);
    });
  }

  #grant(name: string, waiter: Waiter): void {
    const holder: Holder = { ...waiter, broken: false };
    this.#held.set(name, holder);
    queueMicrotask(() => {
      if (holder.broken) return;
      Promise.resolve()
        .then(() => waiter.callback({ name }))
        .then(
          (value) => {
            if (holder.broken) return;
            this.#held.delete(name);
            waiter.resolve(value);
            this.#next(name);
          },
          (error: unknown) => {
            if (holder.broken) return;
            this.#held.delete(name);
            waiter.reject(error);
            this.#next(name);
          },
        );
    });
  }
}

/**
 * BroadcastChannels of one browser: a message goes to every other open channel of the same name,
 * structured-cloned, in order, in a later task (a `setTimeout(0)`, so fake timers step it).
 * A tab can hang: what it posts goes nowhere, what it is sent waits (or is lost, as a paused page's
 * messages can be).
 */
export class FakeChannelHub {
  readonly #channels = new Set<FakeChannel>();

  /** The `BroadcastChannel` constructor of one tab. */
  tab(): {
    open: (name: string) => TabChannel;
    hang(options?: { drop?: boolean }): void;
    wake(): void;
    crash(): void;
  } {
    const mine = new Set<FakeChannel>();
    const tab = {
      hung: false,
      drop: false,
      open: (name: string): TabChannel => {
        const channel = new FakeChannel(name, this.#channels, tab);
        mine.add(channel);
        return channel;
      },
      hang: ({ drop = false } = {}) => {
        tab.hung = true;
        tab.drop = drop;
      },
      wake: () => {
        tab.hung = false;
        for (const channel of mine) channel.drain();
      },
      crash: () => {
        for (const channel of mine) channel.close();
      },
    };
    return tab;
  }
}

class FakeChannel implements TabChannel {
  onmessage: ((event: { data: unknown }) => void) | null = null;
  readonly #waiting: unknown[] = [];
  #closed = false;

  constructor(
    readonly name: string,
    private readonly all: Set<FakeChannel>,
    private readonly tab: { hung: boolean; drop: boolean },
  ) {
    all.add(this);
  }

  postMessage(message: unknown): void {
    if (this.#closed) throw new Error('InvalidStateError: channel closed');
    if (this.tab.hung) return;
    const data = structuredClone(message);
    for (const other of this.all) {
      if (other !== this && other.name === this.name) other.#deliver(data);
    }
  }

  #deliver(data: unknown): void {
    setTimeout(() => {
      if (this.#closed) return;
      if (this.tab.hung) {
        if (!this.tab.drop) this.#waiting.push(data);
      } else this.onmessage?.({ data: structuredClone(data) });
    }, 0);
  }

  drain(): void {
    for (const data of this.#waiting.splice(0)) this.onmessage?.({ data });
  }

  close(): void {
    this.#closed = true;
    this.all.delete(this);
  }
}
