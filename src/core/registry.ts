import { Connection, type ConnectionOptions } from './connection.js';

/** Options of a {@link ConnectionRegistry}. */
export interface RegistryOptions {
  /** How long a connection stays open after its last release, in ms (default 1000). */
  linger?: number;
}

/** What {@link ConnectionRegistry.acquire} hands out: the shared connection and its release. */
export interface Lease {
  readonly connection: Connection;
  /** Gives the reference back. Calling it more than once does nothing. */
  release(): void;
}

interface Entry {
  connection: Connection;
  refs: number;
  closeTimer: ReturnType<typeof setTimeout> | undefined;
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

  constructor(options: RegistryOptions = {}) {
    this.#linger = options.linger ?? 1000;
  }

  /** Gets (or creates and opens) the connection for `url` and `options`, and takes a reference. */
  acquire(url: string, options: ConnectionOptions = {}): Lease {
    const key = connectionKey(url, options);
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = { connection: new Connection(url, options), refs: 0, closeTimer: undefined };
      this.#entries.set(key, entry);
    }
    const held = entry;
    held.refs++;
    clearTimeout(held.closeTimer);
    held.closeTimer = undefined;
    held.connection.open();
    let released = false;
    return {
      connection: held.connection,
      release: () => {
        if (released) return;
        released = true;
        held.refs--;
        if (held.refs > 0) return;
        held.closeTimer = setTimeout(() => {
          if (held.refs > 0 || this.#entries.get(key) !== held) return;
          this.#entries.delete(key);
          held.connection.close();
        }, this.#linger);
      },
    };
  }

  /** Number of connections held (open or lingering). */
  get size(): number {
    return this.#entries.size;
  }

  /** Closes every connection now and forgets them. */
  closeAll(): void {
    for (const entry of this.#entries.values()) {
      clearTimeout(entry.closeTimer);
      entry.connection.close();
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
  const headers =
    typeof options.headers === 'function'
      ? functionId(options.headers)
      : sortedEntries(options.headers);
  return JSON.stringify([
    url,
    (options.method ?? 'GET').toUpperCase(),
    headers,
    typeof options.body === 'string' || options.body == null
      ? (options.body ?? null)
      : stableJson(options.body),
    options.credentials ?? (options.withCredentials ? 'include' : 'same-origin'),
    options.fetch ? functionId(options.fetch) : null,
    typeof options.transport === 'object'
      ? functionId(options.transport)
      : (options.transport ?? 'auto'),
  ]);
}

const ids = new WeakMap<object, string>();
let nextId = 0;
function functionId(value: object): string {
  let id = ids.get(value);
  if (!id) ids.set(value, (id = `#${++nextId}`));
  return id;
}

function sortedEntries(record: Record<string, string> | undefined): [string, string][] | null {
  if (!record) return null;
  return Object.entries(record)
    .map(([k, v]): [string, string] => [k.toLowerCase(), v])
    .sort(byKey);
}

/**
 * JSON with object keys sorted, so equal values give equal text whatever the key order.
 * Functions are dropped, or written as `fn` when given.
 */
export function stableJson(value: unknown, fn?: string): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'function'
      ? (fn ?? v)
      : v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(byKey))
        : v,
  );
}

function byKey([a]: [string, unknown], [b]: [string, unknown]): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
