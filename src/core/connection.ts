import { resolvePolicy, retryDelay, shouldRetry } from './backoff.js';
import { SSEError } from './errors.js';
import { createParser, type Parser } from './parse.js';
import { createFetchTransport } from './transports/fetchTransport.js';
import { createNativeTransport } from './transports/nativeTransport.js';
import type { Transport, TransportHandle, TransportSink } from './transports/transport.js';
import type {
  ConnectionSnapshot,
  ConnectionStatus,
  HeadersOption,
  ReconnectPolicy,
  SSEMessage,
} from './types.js';

/** A request body: a string is sent as is, anything else as JSON. */
export type BodyOption = string | Record<string, unknown> | readonly unknown[] | null;

/** Options of one stream. Equal options on one URL share a connection in a registry. */
export interface ConnectionOptions {
  /** HTTP method (default GET). */
  method?: string;
  /** Header values, or a function called before every (re)connect, e.g. to use a fresh token. */
  headers?: HeadersOption;
  /** Request body; objects are sent as JSON with `Content-Type: application/json`. */
  body?: BodyOption;
  /** Fetch credentials mode; wins over `withCredentials`. */
  credentials?: RequestCredentials;
  /** EventSource-style switch for cross-origin cookies (`credentials: 'include'`). */
  withCredentials?: boolean;
  /** A custom `fetch` (proxies, TLS settings, test doubles). */
  fetch?: typeof fetch;
  /** `'auto'` (default) uses the browser's EventSource for plain GETs, fetch otherwise. */
  transport?: 'auto' | 'fetch' | 'native' | Transport;
  /** Backoff settings, or `false` to never reconnect. */
  reconnect?: ReconnectPolicy | false;
  /** Which errors are worth a retry (default {@link shouldRetry}). */
  retryOn?: (error: SSEError) => boolean;
  /** Reconnect when no byte (comments included) arrives for this many ms. Off by default. */
  stallTimeout?: number;
  /** Maximum characters of one pending event before the stream fails (default 32 Mi). */
  maxBufferSize?: number;
  /** Resume from this id: sent as `Last-Event-ID` on the first request. */
  lastEventId?: string;
  /** Aborting it closes the connection with an `aborted` error. */
  signal?: AbortSignal;
  /** Random source for jitter (tests pass a fixed one). */
  random?: () => number;
  /**
   * Builds the object delivered for each event (default: a plain {@link SSEMessage}). Lets a
   * wrapper such as the EventSource class deliver its own event objects without a second
   * allocation per event.
   */
  messageFactory?: (type: string, data: string, lastEventId: string, origin: string) => SSEMessage;
}

type Listener<T> = (value: T) => void;

/** The state of a connection that was never opened. */
export const INITIAL: ConnectionSnapshot = Object.freeze({
  status: 'closed',
  readyState: 2,
  lastEventId: '',
  lastMessage: null,
  error: null,
  attempt: 0,
  nextRetryAt: null,
});

/** Listener type that receives every event whatever its type. */
export const ANY_EVENT = '*';

/**
 * One live stream: opens it, parses it, reconnects by the rules, and fans events out by type.
 * State is published as immutable snapshots (`getSnapshot` / `subscribe`), which is what
 * `useSyncExternalStore` wants.
 *
 * @example
 * ```ts
 * const conn = new Connection('https://example.com/events', { headers: { Authorization: 'Bearer t' } });
 * const off = conn.addEventListener('alert', (msg) => console.log(msg.data));
 * conn.open();
 * // later
 * off();
 * conn.close();
 * ```
 */
export class Connection {
  declare readonly url: string;
  declare readonly options: Readonly<ConnectionOptions>;

  // The methods are closures over the connection's private state (set up in the constructor),
  // which keeps that state out of reach and lets a minifier shorten every internal name.

  /** The current immutable state. Same object until something changes. */
  declare readonly getSnapshot: () => ConnectionSnapshot;

  /** Calls `listener` after every state change. Returns the unsubscribe function. */
  declare readonly subscribe: (listener: () => void) => () => void;

  /**
   * Calls `listener` for every event of `type` (`'*'` for all), in order, synchronously as it is
   * parsed. Returns the unsubscribe function.
   */
  declare readonly addEventListener: (type: string, listener: Listener<SSEMessage>) => () => void;

  /** Called each time the stream opens. */
  declare readonly onOpen: (listener: () => void) => () => void;

  /** Called for each error, with `error.willRetry` saying whether a reconnect follows. */
  declare readonly onError: (listener: Listener<SSEError>) => () => void;

  /** The last event of one type, or undefined before the first. */
  declare readonly getLastEvent: (type: string) => SSEMessage | undefined;

  /** Starts the stream if it is closed. Calling it on an open or connecting stream does nothing. */
  declare readonly open: () => void;

  /** Closes the stream for good: cancels the request and every timer. `open()` may start it again. */
  declare readonly close: () => void;

  constructor(url: string, options: ConnectionOptions = {}) {
    const policy = resolvePolicy(options.reconnect || undefined);
    const transport = pickTransport(options);
    const stateListeners = new Set<() => void>();
    const eventListeners = new Map<string, Set<Listener<SSEMessage>>>();
    const openListeners = new Set<() => void>();
    const errorListeners = new Set<Listener<SSEError>>();
    const lastByType = new Map<string, SSEMessage>();
    let lastEventIdString = options.lastEventId ?? '';
    /** The live state; `snapshot` is an immutable copy made on demand and dropped on change. */
    const state: { -readonly [K in keyof ConnectionSnapshot]: ConnectionSnapshot[K] } = {
      ...INITIAL,
      lastEventId: lastEventIdString,
    };
    let snapshot: ConnectionSnapshot | null = null;
    let attemptId = 0;
    let controller: AbortController | null = null;
    let handle: TransportHandle | null | void = null;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let stallTimer: ReturnType<typeof setTimeout> | undefined;
    let removeOnline: (() => void) | undefined;
    let serverRetry: number | undefined;
    /** Consecutive failed attempts; the next attempt's number while reconnecting. */
    let failures = 0;
    /** Whether the current attempt has received a byte since it opened. */
    let received = false;
    let origin = '';

    const changed = (): void => {
      snapshot = null;
      callAll(stateListeners, undefined);
    };

    /** Publishes a new status with its readyState, attempt and retry time (and error, if given). */
    const setStatus = (
      status: ConnectionStatus,
      attempt = 0,
      nextRetryAt: number | null = null,
      error?: SSEError | null,
    ): void => {
      state.status = status;
      state.readyState = status === 'open' ? 1 : status === 'closed' ? 2 : 0;
      state.attempt = attempt;
      state.nextRetryAt = nextRetryAt;
      if (error !== undefined) state.error = error;
      changed();
    };

    const dispatch = (message: SSEMessage): void => {
      const { type } = message;
      lastByType.set(type, message);
      // The hot path: set the two fields directly instead of going through a patch object.
      state.lastMessage = message;
      state.lastEventId = message.lastEventId;
      changed();
      callAll(eventListeners.get(type), message);
      callAll(eventListeners.get(ANY_EVENT), message);
    };

    const parser: Parser = createParser(
      {
        onEvent: ({ type, data, lastEventId }) => {
          lastEventIdString = lastEventId;
          const factory = options.messageFactory;
          dispatch(
            factory
              ? factory(type, data, lastEventId, origin)
              : { type, data, lastEventId, origin },
          );
        },
        onLastEventId: (id) => {
          // Spec: dispatch sets the last event ID string even when no event fires.
          lastEventIdString = id;
          if (state.lastEventId !== id) {
            state.lastEventId = id;
            changed();
          }
        },
        onRetry: (ms) => {
          serverRetry = ms;
        },
        onError: (error) => fail(attemptId, error),
      },
      options.maxBufferSize === undefined ? undefined : { maxBufferSize: options.maxBufferSize },
    );

    /** Cancels the current attempt and every timer, leaving the status alone. */
    const stop = (): void => {
      attemptId++;
      controller?.abort();
      controller = handle = null;
      clearTimeout(retryTimer);
      clearTimeout(stallTimer);
      removeOnline?.();
      removeOnline = undefined;
    };

    const armStall = (id: number): void => {
      const ms = options.stallTimeout;
      if (!ms || ms <= 0) return;
      clearTimeout(stallTimer);
      stallTimer = setTimeout(
        () => fail(id, networkError(`No data for ${ms} ms: the stream stalled`, 'stalled')),
        ms,
      );
    };

    /** Publishes a `reconnecting` state for `error` and tells the error listeners. */
    const retrying = (error: SSEError, nextRetryAt: number | null): void => {
      setStatus('reconnecting', failures, nextRetryAt, error);
      callAll(errorListeners, error);
    };

    const fail = (id: number, error: SSEError): void => {
      if (id !== attemptId || !controller) return;
      stop();
      failures++;
      const retry =
        options.reconnect !== false &&
        error.code !== 'invalid-url' &&
        (options.retryOn ?? shouldRetry)(error) &&
        failures <= policy.maxAttempts;
      const published = error.withRetry(retry);
      if (!retry) {
        failures = 0;
        setStatus('closed', 0, null, published);
        callAll(errorListeners, published);
      } else if (isOffline()) {
        // Trying while the browser knows it is offline would only burn attempts: wait for 'online'.
        const onOnline = () => start('reconnecting');
        globalThis.addEventListener('online', onOnline, { once: true });
        removeOnline = () => globalThis.removeEventListener('online', onOnline);
        retrying(published, null);
      } else {
        const delay = retryDelay(failures, policy, serverRetry, error, options.random);
        retryTimer = setTimeout(() => start('reconnecting'), delay);
        retrying(published, Date.now() + delay);
      }
    };

    /** A sink bound to one attempt, so late calls from a superseded attempt are ignored. */
    const sinkFor = (id: number): TransportSink => {
      const live =
        <A extends unknown[]>(fn: (...args: A) => void) =>
        (...args: A) => {
          if (id === attemptId && controller) fn(...args);
        };
      return {
        open: live((finalUrl: string) => {
          origin = originOf(finalUrl);
          received = false;
          // Self-reconnecting transports hand us no bytes, so their open is the only success signal.
          if (transport.selfReconnecting) failures = 0;
          armStall(id);
          setStatus('open', 0, null, null);
          callAll(openListeners, undefined);
        }),
        chunk: live((chunk: Uint8Array | string) => {
          if (!received) {
            // A stream that delivers bytes has really worked: start backoff again from scratch.
            received = true;
            failures = 0;
          }
          armStall(id);
          parser.feed(chunk);
        }),
        event: live((message: SSEMessage) => {
          lastEventIdString = message.lastEventId;
          dispatch(message);
        }),
        end: live(() => {
          parser.end();
          fail(id, networkError('The server closed the stream', 'stream-ended'));
        }),
        error: live((error: SSEError) => fail(id, error)),
        reconnecting: live((error: SSEError) => {
          // The browser retries by itself; mirror it without starting our own attempt.
          failures++;
          retrying(error.withRetry(true), null);
        }),
      };
    };

    const request = async (id: number, signal: AbortSignal): Promise<void> => {
      const given = options.body;
      let resolved: string;
      let headers: Record<string, string>;
      try {
        resolved = new URL(url, (globalThis as { location?: { href?: string } }).location?.href)
          .href;
      } catch (cause) {
        return fail(id, networkError(`Invalid URL: ${url}`, 'invalid-url', cause));
      }
      try {
        const h = options.headers;
        headers = { ...(typeof h === 'function' ? await h() : h) };
      } catch (cause) {
        return fail(id, networkError('The headers function failed', 'headers', cause));
      }
      if (id !== attemptId) return;

      let body: string | undefined;
      if (typeof given === 'string') body = given;
      else if (given != null) {
        body = JSON.stringify(given);
        if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) {
          headers['Content-Type'] = 'application/json';
        }
      }

      // Browsers start each new stream with the last event ID they had, not an empty one, so
      // events without an id after a reconnect keep it (and a later reconnect still resumes).
      const lastEventId = lastEventIdString;
      parser.reset(lastEventId);
      handle = null;
      const next = transport.connect(
        {
          url: resolved,
          method: options.method ?? 'GET',
          headers,
          body,
          credentials: options.credentials ?? (options.withCredentials ? 'include' : 'same-origin'),
          lastEventId,
          signal,
        },
        sinkFor(id),
      );
      if (next && id === attemptId) {
        handle = next;
        for (const type of eventListeners.keys()) if (type !== ANY_EVENT) next.listen(type);
      }
    };

    const start = (status: 'connecting' | 'reconnecting'): void => {
      stop();
      const id = ++attemptId;
      controller = new AbortController();
      setStatus(status, status === 'reconnecting' ? failures : 0);
      armStall(id);
      void request(id, controller.signal);
    };

    const close = (): void => {
      if (state.status === 'closed') return;
      stop();
      failures = 0;
      setStatus('closed');
    };

    Object.assign(this, {
      url,
      options,
      getSnapshot: () => (snapshot ??= Object.freeze({ ...state })),
      subscribe: (listener: () => void) => addTo(stateListeners, listener),
      addEventListener: (type: string, listener: Listener<SSEMessage>) => {
        let set = eventListeners.get(type);
        if (!set) eventListeners.set(type, (set = new Set()));
        set.add(listener);
        if (type !== ANY_EVENT) handle?.listen(type);
        return () => {
          set.delete(listener);
          if (!set.size && eventListeners.get(type) === set) eventListeners.delete(type);
        };
      },
      onOpen: (listener: () => void) => addTo(openListeners, listener),
      onError: (listener: Listener<SSEError>) => addTo(errorListeners, listener),
      getLastEvent: (type: string) => lastByType.get(type),
      open: () => {
        if (state.status !== 'closed' || options.signal?.aborted) return;
        failures = 0;
        start('connecting');
      },
      close,
    });

    options.signal?.addEventListener('abort', () => {
      if (state.status === 'closed') return;
      close();
      state.error = new SSEError('aborted', 'The stream was aborted by its signal');
      changed();
    });
  }
}

function pickTransport(options: ConnectionOptions): Transport {
  const choice = options.transport ?? 'auto';
  if (typeof choice === 'object') return choice;
  const plainGet =
    (options.method ?? 'GET').toUpperCase() === 'GET' &&
    options.headers === undefined &&
    options.body == null &&
    options.fetch === undefined &&
    options.stallTimeout === undefined &&
    !options.lastEventId;
  return choice === 'native' ||
    (choice === 'auto' && plainGet && typeof globalThis.EventSource === 'function')
    ? createNativeTransport()
    : createFetchTransport(options.fetch);
}

function networkError(message: string, code: string, cause?: unknown): SSEError {
  return new SSEError('network', message, { code, cause });
}

function addTo<T>(set: Set<T>, value: T): () => void {
  set.add(value);
  return () => set.delete(value);
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

function isOffline(): boolean {
  return (
    (globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine === false &&
    typeof globalThis.addEventListener === 'function'
  );
}

/**
 * Calls every listener of `set` (if any) with `value`. A throwing listener must not break the
 * stream or the other listeners; report it instead.
 */
function callAll<T>(set: Iterable<(value: T) => void> | undefined, value: T): void {
  if (set)
    for (const listener of set) {
      try {
        listener(value);
      } catch (error) {
        const report = (globalThis as { reportError?: (e: unknown) => void }).reportError;
        if (typeof report === 'function') report(error);
        else console.error(error);
      }
    }
}
