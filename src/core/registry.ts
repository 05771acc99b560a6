import { Connection, type ConnectionOptions, type StreamConnection } from './connection.js';

/** Options of a {@link ConnectionRegistry}. */
export interface RegistryOptions {
  /** How long a connection stays open after its last release, in ms (default 1000). */
  linger?: number;
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

interface Entry {
  connection: StreamConnection;
  refs: number;
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * Shares one {@link Connection} among every user of the same stream. Connections are keyed by
 * url, method, headers, body and credentials; reference counted; and closed a short `linger`
 * after the last release, so an unmount followed by a remount (React StrictMode, a route change)
 * reuses the open stream instead of reconnecting.
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

  constructor({ linger = 1000 }: RegistryOptions = {}) {
    this.#linger = linger;
  }

  /** Gets (or creates and opens) the connection for `url` and `options`, and takes a reference. */
  acquire(url: string, options: ConnectionOptions = {}): Lease {
    const entries = this.#entries;
    const key = connectionKey(url, options);
    const entry = entries.get(key) ?? {
      // A sharing strategy makes its own kind of connection, so apps without one never load it.
      connection: options.share ? options.share.create(url, options) : new Connection(url, options),
      refs: 0,
    };
    const { connection } = entry;
    entries.set(key, entry);
    entry.refs++;
    clearTimeout(entry.timer);
    connection.open();
    let released = false;
    return {
      connection,
      release: () => {
        if (released) return;
        released = true;
        if (--entry.refs) return;
        entry.timer = setTimeout(() => {
          if (!entry.refs && entries.get(key) === entry) {
            entries.delete(key);
            connection.close();
          }
        }, this.#linger);
      },
    };
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
    return [...this.#entries].map(([key, { connection, refs }]) => ({
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
    for (const { connection, timer } of this.#entries.values()) {
      clearTimeout(timer);
      connection.close();
    }
    this.#entries.clear();
  }
}

/**
 * The stable identity of a stream: equal when url, method, headers, body and credentials are
 * equal, whatever the object identity or key order. A headers function is keyed by identity
 * (its values are only known at connect time), so pass a stable function to share.
 */
export function connectionKey(url: string, options: ConnectionOptions = {}): string {
  const { headers, transport } = options;
  return stableJson([
    url,
    (options.method ?? 'GET').toUpperCase(),
    typeof headers === 'function'
      ? idOf(headers)
      : headers &&
        Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    options.body,
    options.credentials ?? (options.withCredentials ? 'include' : 'same-origin'),
    options.fetch && idOf(options.fetch),
    typeof transport === 'object' ? idOf(transport) : (transport ?? 'fetch'),
    options.lastEventIdParam,
    options.share && idOf(options.share),
  ]);
}

// Functions and transport objects are keyed by identity: a number per object, never reused.
const ids = new WeakMap<object, number>();
let lastId = 0;
const idOf = (value: object): number => ids.get(value) ?? (ids.set(value, ++lastId), lastId);

/**
 * JSON with object keys sorted, so equal values give equal text whatever the key order.
 * Functions are dropped, or written as `fn` when given.
 */
export function stableJson(value: unknown, fn?: string): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'function'
      ? fn
      : v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, (v as Record<string, unknown>)[k]]),
          )
        : v,
  );
}
