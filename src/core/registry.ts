import type { Clock } from './clock.js';
import { Connection } from './connection.js';
import type { ConnectionOptions, StreamConnection } from './types.js';
import { functionOptions, streamKey } from './options.js';
import { Removable } from './removable.js';

/** Options of a {@link ConnectionRegistry}. */
export interface RegistryOptions {
  /** How long a connection stays open after its last release, in ms (default 1000). */
  linger?: number;
  /** Where the linger is timed (default: the platform's timers). */
  clock?: Clock;
}

/** One connection of a registry, as {@link ConnectionRegistry.inspect} lists it. */
export interface RegistryEntryInfo {
  readonly key: string;
  readonly url: string;
  /** Leases currently held (each hook on the stream holds one); 0 while it lingers. */
  readonly subscribers: number;
  readonly connection: StreamConnection;
}

/** What {@link ConnectionRegistry.acquire} hands out: the shared connection and its release. */
export interface Lease {
  readonly connection: StreamConnection;
  /** Gives the reference back. Calling it more than once does nothing. */
  release(): void;
}

type Fn = (...args: unknown[]) => unknown;

class Entry extends Removable {
  refs = 0;
  /** The newest function of each function option, which the connection calls. */
  readonly fns: Record<string, Fn> = {};
  readonly connection: StreamConnection;

  constructor(
    readonly key: string,
    url: string,
    options: ConnectionOptions,
    readonly entries: Map<string, Entry>,
  ) {
    super();
    const own: Record<string, unknown> = { ...options };
    for (const name of functionOptions(options))
      own[name] = (...args: unknown[]) => this.fns[name]!(...args);
    // A sharing strategy makes its own kind of connection, so apps without one never load it.
    this.connection = options.share ? options.share.create(url, own) : new Connection(url, own);
  }

  protected override remove(): void {
    if (!this.refs && this.entries.get(this.key) === this) {
      this.entries.delete(this.key);
      this.connection.close();
    }
  }
}

/**
 * Shares one {@link Connection} among every user of the same stream (same {@link streamKey}):
 * reference counted, and closed a short `linger` after the last release, so an unmount followed
 * by a remount (React StrictMode, a route change) reuses the open stream instead of
 * reconnecting. Function options (`headers` as a function, `fetch`, `retryOn`) count by presence:
 * the connection calls the one of the newest lease.
 *
 * @example
 * ```ts
 * const registry = new ConnectionRegistry({ linger: 500 });
 * const a = registry.acquire('/events');
 * const b = registry.acquire('/events'); // same connection
 * a.release();
 * b.release(); // closes 500 ms later unless acquired again
 * ```
 */
export class ConnectionRegistry {
  readonly #entries = new Map<string, Entry>();
  readonly #linger: number;
  readonly #clock: Clock | undefined;

  constructor({ linger = 1000, clock }: RegistryOptions = {}) {
    this.#linger = linger;
    this.#clock = clock;
  }

  /**
   * Gets (or creates) the connection for `url` and `options`, opens it, and takes a reference.
   * `key` is `streamKey(url, options)`, for a caller that already has it.
   */
  acquire(
    url: string,
    options: ConnectionOptions & { shareKey?: string } = {},
    key = streamKey(url, options),
  ): Lease {
    const entries = this.#entries;
    let entry = entries.get(key);
    if (!entry) entries.set(key, (entry = new Entry(key, url, options, entries)));
    for (const name of functionOptions(options))
      entry.fns[name] = (options as Record<string, unknown>)[name] as Fn;
    entry.refs++;
    entry.cancelRemove();
    const { connection } = entry;
    connection.open();
    let released = false;
    return {
      connection,
      release: () => {
        if (released) return;
        released = true;
        if (!--entry.refs) entry.scheduleRemove(this.#linger, this.#clock);
      },
    };
  }

  /** The connection held under `key` (open or lingering), without taking a reference. */
  get(key: string): StreamConnection | undefined {
    return this.#entries.get(key)?.connection;
  }

  /**
   * What the registry holds, for devtools and diagnostics: each connection with its sharing key
   * and how many leases hold it (0 while it lingers). A fresh array on every call; reading it
   * changes nothing.
   *
   * @example
   * ```ts
   * for (const { url, subscribers, connection } of registry.inspect()) {
   *   console.log(url, subscribers, connection.inspect().events);
   * }
   * ```
   */
  inspect(): RegistryEntryInfo[] {
    return [...this.#entries.values()].map(({ key, connection, refs }) => ({
      key,
      url: connection.url,
      subscribers: refs,
      connection,
    }));
  }

  /** Number of connections held (open or lingering). */
  get size(): number {
    return this.#entries.size;
  }

  /** Closes every connection now and forgets them. */
  closeAll(): void {
    for (const entry of this.#entries.values()) {
      entry.cancelRemove();
      entry.connection.close();
    }
    this.#entries.clear();
  }
}
