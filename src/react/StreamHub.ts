import { shouldRetry } from '../core/backoff.js';
import type { Connection, ConnectionOptions } from '../core/connection.js';
import type { SSEError } from '../core/errors.js';
import { connectionKey, type ConnectionRegistry } from '../core/registry.js';
import type { HeadersOption } from '../core/types.js';
import { ConnectionStore } from './ConnectionStore.js';
import type { EventSourceDefaults, StreamOptions } from './types.js';

/** Connection options passed by value (functions are wrapped, hook-only options dropped). */
const VALUE_OPTIONS = [
  'method',
  'body',
  'credentials',
  'withCredentials',
  'transport',
  'reconnect',
  'stallTimeout',
  'maxBufferSize',
  'lastEventId',
  'random',
] as const satisfies readonly (keyof ConnectionOptions)[];

type HeadersFn = Extract<HeadersOption, (...args: never[]) => unknown>;

/** The function options of a stream, as given by the most recently rendered hook. */
export interface StreamFunctions {
  headers?: HeadersFn | undefined;
  fetch?: typeof fetch | undefined;
  retryOn?: ((error: SSEError) => boolean) | undefined;
}

/** Copies the functions `fns` gives (only those it gives) into `into`. */
function take(into: StreamFunctions, fns: StreamFunctions): StreamFunctions {
  if (fns.headers) into.headers = fns.headers;
  if (fns.fetch) into.fetch = fns.fetch;
  if (fns.retryOn) into.retryOn = fns.retryOn;
  return into;
}

/**
 * What a hook asks the hub for: a url and options resolved to a sharing key. The options handed
 * to the registry carry stable wrappers in place of functions, so every hook with the same key
 * reaches the same registry entry, and the wrappers call the newest function.
 */
export interface StreamRequest {
  readonly key: string;
  readonly url: string;
  readonly fns: StreamFunctions;
  readonly options: ConnectionOptions;
  refs: number;
  connection: Connection | null;
  dropTimer?: ReturnType<typeof setTimeout> | undefined;
}

/** A lease on a hub stream: the connection and its release. */
export interface HubLease {
  readonly connection: Connection;
  release(): void;
}

/**
 * The React layer's view of one registry: resolves hook options to shared requests, hands out
 * leases, and keeps one batched {@link ConnectionStore} per connection and throttle.
 * Each provider has its own (the default one serves hooks outside any provider).
 */
export class StreamHub {
  readonly #requests = new Map<string, StreamRequest>();
  /** Functions committed for a key not acquired yet (its acquire follows in the same commit). */
  readonly #pending = new Map<string, StreamFunctions>();
  readonly #stores = new WeakMap<Connection, Map<number | undefined, ConnectionStore>>();
  readonly #linger: number;

  constructor(
    readonly registry: ConnectionRegistry,
    /** The provider's newest defaults (functions are read from it at call time). */
    readonly defaults: { readonly current: EventSourceDefaults },
    linger: number,
  ) {
    this.#linger = linger;
  }

  /**
   * The request for `url` with merged `options`; `own` are the functions the hook (or its stream
   * descriptor) gave itself. Pure: nothing is stored until {@link acquire}.
   */
  request(url: string, options: StreamOptions, own: StreamFunctions): StreamRequest {
    const { headers, fetch: fetchFn, shareKey } = options;
    const headersFn = typeof headers === 'function';
    const hasFetch = fetchFn !== undefined;
    const values: ConnectionOptions = {};
    for (const name of VALUE_OPTIONS) {
      if (options[name] !== undefined) (values as Record<string, unknown>)[name] = options[name];
    }
    if (!headersFn && headers !== undefined) values.headers = headers;
    const key = JSON.stringify([
      connectionKey(url, values),
      headersFn,
      hasFetch,
      (headersFn || hasFetch) && shareKey !== undefined ? shareKey : null,
    ]);
    const live = this.#requests.get(key);
    if (live) return live;
    const fns = take({}, own);
    const defaults = this.defaults;
    if (headersFn) {
      values.headers = () => {
        const fn = fns.headers ?? defaults.current.headers;
        return typeof fn === 'function' ? fn() : {};
      };
    }
    if (hasFetch) {
      values.fetch = (input, init) =>
        (fns.fetch ?? defaults.current.fetch ?? globalThis.fetch)(input, init);
    }
    values.retryOn = (error) => (fns.retryOn ?? defaults.current.retryOn ?? shouldRetry)(error);
    return { key, url, fns, options: values, refs: 0, connection: null };
  }

  /** The connection of `request` when some hook already holds it, else null. */
  peek(request: StreamRequest): Connection | null {
    const live = this.#requests.get(request.key);
    return live && live.refs > 0 ? live.connection : null;
  }

  /** Acquires the shared connection of `request` from the registry (opening it if needed). */
  acquire(request: StreamRequest): HubLease {
    const { key } = request;
    const requests = this.#requests;
    let held = requests.get(key);
    if (!held) requests.set(key, (held = request));
    else if (held !== request) take(held.fns, request.fns);
    const pending = this.#pending.get(key);
    if (pending) {
      this.#pending.delete(key);
      take(held.fns, pending);
    }
    const live = held;
    live.refs++;
    clearTimeout(live.dropTimer);
    const lease = this.registry.acquire(live.url, live.options);
    const connection = (live.connection = lease.connection);
    let released = false;
    return {
      connection,
      release: () => {
        if (released) return;
        released = true;
        lease.release();
        if (--live.refs > 0) return;
        // Keep the wrappers while the registry lingers, so a quick remount finds the same entry.
        live.dropTimer = setTimeout(() => {
          if (!live.refs && requests.get(key) === live) requests.delete(key);
        }, this.#linger + 100);
      },
    };
  }

  /** Functions the newest render of a hook on `key` gave. */
  update(key: string, fns: StreamFunctions): void {
    const live = this.#requests.get(key);
    if (live) take(live.fns, fns);
    else if (fns.headers || fns.fetch || fns.retryOn) {
      this.#pending.set(key, take({ ...this.#pending.get(key) }, fns));
    }
  }

  /** The batched store of `connection` for `throttle`. */
  store(connection: Connection, throttle: number | undefined): ConnectionStore {
    let byThrottle = this.#stores.get(connection);
    if (!byThrottle) this.#stores.set(connection, (byThrottle = new Map()));
    let store = byThrottle.get(throttle);
    if (!store) byThrottle.set(throttle, (store = new ConnectionStore(connection, throttle)));
    return store;
  }
}
