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

/**
 * What a hook asks the hub for: a url and options resolved to a sharing key. The options handed
 * to the registry carry stable wrappers in place of functions, so every hook with the same key
 * reaches the same registry entry, and the wrappers call the newest function.
 */
export class StreamRequest {
  readonly fns: StreamFunctions;
  readonly options: ConnectionOptions;
  refs = 0;
  connection: Connection | null = null;
  dropTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly key: string,
    readonly url: string,
    values: ConnectionOptions,
    wrap: { headers: boolean; fetch: boolean },
    fns: StreamFunctions,
    defaults: { readonly current: EventSourceDefaults },
  ) {
    this.fns = { ...fns };
    const own = this.fns;
    const options: ConnectionOptions = { ...values };
    if (wrap.headers) {
      options.headers = () => {
        const fn = own.headers ?? asFunction(defaults.current.headers);
        return fn ? fn() : {};
      };
    }
    if (wrap.fetch) {
      options.fetch = (input, init) =>
        (own.fetch ?? defaults.current.fetch ?? globalThis.fetch)(input, init);
    }
    options.retryOn = (error) => (own.retryOn ?? defaults.current.retryOn ?? shouldRetry)(error);
    this.options = options;
  }

  /** Takes the functions of a newer render (only those it gives). */
  update(fns: StreamFunctions): void {
    if (fns.headers) this.fns.headers = fns.headers;
    if (fns.fetch) this.fns.fetch = fns.fetch;
    if (fns.retryOn) this.fns.retryOn = fns.retryOn;
  }
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
  private readonly requests = new Map<string, StreamRequest>();
  /** Functions committed for a key not acquired yet (its acquire follows in the same commit). */
  private readonly pending = new Map<string, StreamFunctions>();
  private readonly stores = new WeakMap<Connection, Map<number | undefined, ConnectionStore>>();

  constructor(
    readonly registry: ConnectionRegistry,
    /** The provider's newest defaults (functions are read from it at call time). */
    readonly defaults: { readonly current: EventSourceDefaults },
    private readonly linger: number,
  ) {}

  /**
   * The request for `url` with merged `options`; `own` are the functions the hook (or its stream
   * descriptor) gave itself. Pure: nothing is stored until {@link acquire}.
   */
  request(url: string, options: StreamOptions, own: StreamFunctions): StreamRequest {
    const { headers, fetch: fetchFn, shareKey } = options;
    const headersFn = typeof headers === 'function';
    const values: ConnectionOptions = {};
    for (const name of VALUE_OPTIONS) {
      if (options[name] !== undefined) (values as Record<string, unknown>)[name] = options[name];
    }
    if (!headersFn && headers !== undefined) values.headers = headers;
    const hasFn = headersFn || fetchFn !== undefined;
    const key = JSON.stringify([
      connectionKey(url, values),
      headersFn,
      fetchFn !== undefined,
      hasFn ? (shareKey ?? null) : null,
    ]);
    const live = this.requests.get(key);
    if (live) return live;
    return new StreamRequest(
      key,
      url,
      values,
      { headers: headersFn, fetch: fetchFn !== undefined },
      own,
      this.defaults,
    );
  }

  /** The connection of `request` when some hook already holds it, else null. */
  peek(request: StreamRequest): Connection | null {
    const live = this.requests.get(request.key);
    return live && live.refs > 0 ? live.connection : null;
  }

  /** Acquires the shared connection of `request` from the registry (opening it if needed). */
  acquire(request: StreamRequest): HubLease {
    let live = this.requests.get(request.key);
    if (!live) this.requests.set(request.key, (live = request));
    else if (live !== request) live.update(request.fns);
    const pending = this.pending.get(request.key);
    if (pending) {
      this.pending.delete(request.key);
      live.update(pending);
    }
    const held = live;
    held.refs++;
    clearTimeout(held.dropTimer);
    held.dropTimer = undefined;
    const lease = this.registry.acquire(held.url, held.options);
    held.connection = lease.connection;
    let released = false;
    return {
      connection: lease.connection,
      release: () => {
        if (released) return;
        released = true;
        lease.release();
        if (--held.refs > 0) return;
        // Keep the wrappers while the registry lingers, so a quick remount finds the same entry.
        held.dropTimer = setTimeout(() => {
          if (held.refs === 0 && this.requests.get(held.key) === held)
            this.requests.delete(held.key);
        }, this.linger + 100);
      },
    };
  }

  /** Functions the newest render of a hook on `key` gave. */
  update(key: string, fns: StreamFunctions): void {
    const live = this.requests.get(key);
    if (live) live.update(fns);
    else if (fns.headers || fns.fetch || fns.retryOn) {
      this.pending.set(key, { ...this.pending.get(key), ...definedOnly(fns) });
    }
  }

  /** The batched store of `connection` for `throttle`. */
  store(connection: Connection, throttle: number | undefined): ConnectionStore {
    let byThrottle = this.stores.get(connection);
    if (!byThrottle) this.stores.set(connection, (byThrottle = new Map()));
    let store = byThrottle.get(throttle);
    if (!store) byThrottle.set(throttle, (store = new ConnectionStore(connection, throttle)));
    return store;
  }
}

function definedOnly(fns: StreamFunctions): StreamFunctions {
  const out: StreamFunctions = {};
  if (fns.headers) out.headers = fns.headers;
  if (fns.fetch) out.fetch = fns.fetch;
  if (fns.retryOn) out.retryOn = fns.retryOn;
  return out;
}

function asFunction(headers: HeadersOption | undefined): HeadersFn | undefined {
  return typeof headers === 'function' ? headers : undefined;
}
