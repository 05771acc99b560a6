import { shouldRetry } from '../core/reconnect.js';
import type { ConnectionOptions, StreamConnection } from '../core/connection.js';
import type { SSEError } from '../core/errors.js';
import { connectionKey, type ConnectionRegistry } from '../core/registry.js';
import type { HeadersOption } from '../core/types.js';
import type { EventSourceDefaults, StreamOptions } from './types.js';

/** Connection options passed by value (functions are wrapped, hook-only options dropped). */
const VALUE_OPTIONS = [
  'method',
  'body',
  'credentials',
  'withCredentials',
  'transport',
  'lastEventIdParam',
  'reconnect',
  'stallTimeout',
  'maxBufferSize',
  'lastEventId',
  'random',
  'share',
] as const satisfies readonly (keyof ConnectionOptions)[];

/** The function options of a stream, as given by the most recently rendered hook. */
export interface StreamFunctions {
  headers?: Extract<HeadersOption, (...args: never[]) => unknown>;
  fetch?: typeof fetch;
  retryOn?: (error: SSEError) => boolean;
}

/**
 * A stream as hooks ask for it: a url and options resolved to a sharing key. Its options carry
 * stable wrappers in place of functions, so every hook with the same key reaches the same
 * registry entry, and the wrappers call the newest function.
 */
export interface StreamRequest {
  readonly key: string;
  readonly url: string;
  readonly fns: StreamFunctions;
  readonly options: ConnectionOptions;
  /** Leases taken on it and not released. */
  refs: number;
  /** The connection of the latest lease. */
  connection?: StreamConnection;
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * The React layer's view of one registry: resolves hook options to shared requests and hands
 * out leases. Each provider has its own (the default one serves hooks outside any provider).
 */
export interface StreamHub {
  /** The registry whose connections it hands out (devtools read it). */
  readonly registry: ConnectionRegistry;
  /** The provider's newest defaults (functions are read from it at call time). */
  readonly defaults: { readonly current: EventSourceDefaults };
  /**
   * The request for `url` with merged `options` (the live one when there is one); `own` are the
   * functions the hook (or its stream descriptor) gave itself. Pure: nothing is stored.
   */
  request(url: string, options: StreamOptions, own: StreamFunctions): StreamRequest;
  /** Records a committed render: its request (if none is live) and its functions. */
  commit(request: StreamRequest, own: StreamFunctions): void;
  /**
   * Takes a lease on the shared connection of `request` (opening it if needed). Its `release`
   * must be called exactly once.
   */
  acquire(request: StreamRequest): { readonly connection: StreamConnection; release(): void };
}

/** A hub over `registry`; `linger` is the registry's, in ms. */
export function createStreamHub(
  registry: ConnectionRegistry,
  defaults: { readonly current: EventSourceDefaults },
  linger: number,
): StreamHub {
  const requests = new Map<string, StreamRequest>();
  const live = (request: StreamRequest): StreamRequest => {
    let held = requests.get(request.key);
    if (!held) requests.set(request.key, (held = request));
    return held;
  };
  return {
    registry,
    defaults,

    request(url, options, own) {
      const { headers, fetch: fetchFn } = options;
      const headersFn = typeof headers === 'function';
      const values: ConnectionOptions = {};
      for (const name of VALUE_OPTIONS) {
        if (options[name] !== undefined) (values as Record<string, unknown>)[name] = options[name];
      }
      if (!headersFn && headers) values.headers = headers;
      const key = JSON.stringify([
        connectionKey(url, values),
        headersFn,
        !!fetchFn,
        (headersFn || !!fetchFn) && options.shareKey,
      ]);
      const held = requests.get(key);
      if (held) return held;
      const fns = { ...own };
      if (headersFn) {
        values.headers = () => {
          const fn = fns.headers ?? defaults.current.headers;
          return typeof fn === 'function' ? fn() : {};
        };
      }
      if (fetchFn) {
        values.fetch = (input, init) =>
          (fns.fetch ?? defaults.current.fetch ?? globalThis.fetch)(input, init);
      }
      values.retryOn = (error) => (fns.retryOn ?? defaults.current.retryOn ?? shouldRetry)(error);
      return { key, url, fns, options: values, refs: 0 };
    },

    commit(request, own) {
      Object.assign(live(request).fns, own);
    },

    acquire(request) {
      const held = live(request);
      held.refs++;
      clearTimeout(held.timer);
      const lease = registry.acquire(held.url, held.options);
      held.connection = lease.connection;
      return {
        connection: lease.connection,
        release() {
          lease.release();
          // Keep the wrappers while the registry lingers, so a quick remount finds the same entry.
          if (!--held.refs) {
            held.timer = setTimeout(() => held.refs || requests.delete(held.key), linger + 100);
          }
        },
      };
    },
  };
}
