import { resolvePolicy, retryDelay, shouldRetry, type ResolvedReconnectPolicy } from './backoff.js';
import { SSEError, reportListenerError } from './errors.js';
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
   * Takes every event in place of the connection's own fan-out (no `lastMessage`, no last event
   * per type, no event listeners, no state notification per event): for a wrapper that builds
   * and dispatches its own event objects, such as the EventSource class. `timeStamp` is when
   * the bytes of the event arrived (`performance.now()`); events parsed from one chunk share it.
   */
  receive?: (
    type: string,
    data: string,
    lastEventId: string,
    origin: string,
    timeStamp: number,
  ) => void;
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

/** How many event types a connection remembers the last event of. */
export const LAST_EVENT_TYPES = 256;

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
  readonly url: string;
  readonly options: Readonly<ConnectionOptions>;

  /**
   * The live state but for the last event ID (`#lastEventId`); `#snapshot` is an immutable copy
   * of both, made on demand and dropped on change.
   */
  readonly #state: {
    -readonly [K in Exclude<keyof ConnectionSnapshot, 'lastEventId'>]: ConnectionSnapshot[K];
  };
  #snapshot: ConnectionSnapshot | null = null;
  readonly #stateListeners = new Listeners<void>();
  readonly #eventListeners = new Map<string, Listeners<SSEMessage>>();
  readonly #anyListeners = new Listeners<SSEMessage>();
  readonly #openListeners = new Listeners<void>();
  readonly #errorListeners = new Listeners<SSEError>();
  readonly #lastByType = new Map<string, SSEMessage>();
  readonly #policy: ResolvedReconnectPolicy;
  readonly #transport: Transport;
  readonly #parser: Parser;
  readonly #stallTimeout: number;
  readonly #receive: ConnectionOptions['receive'];

  #attemptId = 0;
  #controller: AbortController | null = null;
  #handle: TransportHandle | null | void = null;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #stallTimer: ReturnType<typeof setTimeout> | undefined;
  #removeOnline: (() => void) | undefined;
  #serverRetry: number | undefined;
  /** Consecutive failed attempts; the next attempt's number while reconnecting. */
  #failures = 0;
  /** Whether the current attempt has received a byte since it opened. */
  #received = false;
  #origin = '';
  /** When the chunk being parsed arrived (`performance.now()`), read once per chunk on demand. */
  #arrival = -0.5;
  #lastEventId: string;
  /** The last event ID changed without an event (an id-only block): not published yet. */
  #idOnly = false;

  constructor(url: string, options: ConnectionOptions = {}) {
    this.url = url;
    this.options = options;
    this.#policy = resolvePolicy(options.reconnect || undefined);
    this.#transport = pickTransport(options);
    this.#stallTimeout = options.stallTimeout ?? 0;
    this.#receive = options.receive;
    this.#lastEventId = options.lastEventId ?? '';
    const { lastEventId: _, ...initial } = INITIAL;
    this.#state = initial;
    this.#parser = createParser(
      {
        onEvent: ({ type, data, lastEventId }) =>
          this.#deliver(type, data, lastEventId, this.#origin),
        onLastEventId: (id) => {
          // Spec: dispatch sets the last event ID string even when no event fires. The event
          // that usually follows publishes it; an id-only block is published after the chunk.
          this.#lastEventId = id;
          this.#idOnly = true;
        },
        onRetry: (ms) => {
          this.#serverRetry = ms;
        },
        onError: (error) => this.#fail(this.#attemptId, error),
      },
      options.maxBufferSize === undefined ? undefined : { maxBufferSize: options.maxBufferSize },
    );
    options.signal?.addEventListener('abort', () => {
      if (this.#state.status === 'closed') return;
      this.close();
      this.#state.error = new SSEError('aborted', 'The stream was aborted by its signal');
      this.#changed();
    });
  }

  /** The current immutable state. Same object until something changes. */
  getSnapshot = (): ConnectionSnapshot =>
    (this.#snapshot ??= Object.freeze({ ...this.#state, lastEventId: this.#lastEventId }));

  /** Calls `listener` after every state change. Returns the unsubscribe function. */
  subscribe = (listener: () => void): (() => void) => this.#stateListeners.add(listener);

  /**
   * Calls `listener` for every event of `type` (`'*'` for all), in order, synchronously as it is
   * parsed. Returns the unsubscribe function.
   */
  addEventListener(type: string, listener: Listener<SSEMessage>): () => void {
    if (type === ANY_EVENT) return this.#anyListeners.add(listener);
    const all = this.#eventListeners;
    let listeners = all.get(type);
    if (!listeners) all.set(type, (listeners = new Listeners()));
    const remove = listeners.add(listener);
    this.#handle?.listen(type);
    return () => {
      remove();
      if (!listeners.list.length && all.get(type) === listeners) all.delete(type);
    };
  }

  /** Called each time the stream opens. */
  onOpen(listener: () => void): () => void {
    return this.#openListeners.add(listener);
  }

  /** Called for each error, with `error.willRetry` saying whether a reconnect follows. */
  onError(listener: Listener<SSEError>): () => void {
    return this.#errorListeners.add(listener);
  }

  /**
   * The last event of one type, or undefined before the first. The last {@link LAST_EVENT_TYPES}
   * types seen are remembered, so a stream that invents types cannot grow memory without end.
   */
  getLastEvent(type: string): SSEMessage | undefined {
    return this.#lastByType.get(type);
  }

  /** Starts the stream if it is closed. Calling it on an open or connecting stream does nothing. */
  open(): void {
    if (this.#state.status !== 'closed' || this.options.signal?.aborted) return;
    this.#failures = 0;
    this.#start('connecting');
  }

  /** Closes the stream for good: cancels the request and every timer. `open()` may start it again. */
  close(): void {
    if (this.#state.status === 'closed') return;
    this.#stop();
    this.#failures = 0;
    this.#status('closed');
  }

  #start(status: 'connecting' | 'reconnecting'): void {
    this.#stop();
    const id = ++this.#attemptId;
    const controller = (this.#controller = new AbortController());
    this.#status(status, status === 'reconnecting' ? this.#failures : 0);
    this.#armStall(id);
    void this.#request(id, controller.signal);
  }

  async #request(id: number, signal: AbortSignal): Promise<void> {
    const { options } = this;
    const given = options.body;
    let url: string;
    let headers: Record<string, string>;
    try {
      url = new URL(this.url, (globalThis as { location?: { href?: string } }).location?.href).href;
    } catch (cause) {
      return this.#fail(id, networkError(`Invalid URL: ${this.url}`, 'invalid-url', cause));
    }
    try {
      const h = options.headers;
      headers = { ...(typeof h === 'function' ? await h() : h) };
    } catch (cause) {
      return this.#fail(id, networkError('The headers function failed', 'headers', cause));
    }
    if (id !== this.#attemptId) return;

    let body: string | undefined;
    if (typeof given === 'string') body = given;
    else if (given != null) {
      body = JSON.stringify(given);
      if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) {
        headers['Content-Type'] = 'application/json';
      }
    }

    // Browsers start each new stream with the last event ID they had, not an empty one, so events
    // without an id after a reconnect keep it (and a later reconnect still resumes from it).
    const lastEventId = this.#lastEventId;
    this.#parser.reset(lastEventId);
    this.#handle = null;
    let handle: TransportHandle | void;
    try {
      handle = this.#transport.connect(
        {
          url,
          method: options.method ?? 'GET',
          headers,
          body,
          credentials: options.credentials ?? (options.withCredentials ? 'include' : 'same-origin'),
          lastEventId,
          signal,
        },
        this.#sinkFor(id),
      );
    } catch (cause) {
      // A transport should report through its sink; one that throws fails this attempt.
      return this.#fail(
        id,
        networkError(`Could not reach ${url}: ${String(cause)}`, 'transport', cause),
      );
    }
    if (handle && id === this.#attemptId) {
      this.#handle = handle;
      for (const type of this.#eventListeners.keys()) handle.listen(type);
    }
  }

  /** A sink bound to one attempt, so late calls from a superseded attempt are ignored. */
  #sinkFor(id: number): TransportSink {
    // A plain check in each method: `chunk` runs once per read, so no wrapper on that path.
    const live = () => id === this.#attemptId && this.#controller !== null;
    return {
      open: (finalUrl: string) => {
        if (!live()) return;
        this.#origin = originOf(finalUrl);
        this.#received = false;
        // Self-reconnecting transports hand us no bytes, so their open is the only success signal.
        if (this.#transport.selfReconnecting) this.#failures = 0;
        this.#armStall(id);
        this.#status('open', 0, null, null);
        this.#openListeners.emit();
      },
      chunk: (chunk: Uint8Array | string) => {
        if (id !== this.#attemptId) return;
        if (!this.#received) {
          // A stream that delivers bytes has really worked: start backoff again from scratch.
          this.#received = true;
          this.#failures = 0;
        }
        this.#armStall(id);
        this.#arrival = -0.5;
        this.#parser.feed(chunk);
        // An id-only block changes the last event ID without an event: publish it now.
        if (this.#idOnly && this.#attemptId === id) {
          this.#idOnly = false;
          this.#changed();
        }
      },
      event: (message: SSEMessage) => {
        if (!live()) return;
        this.#arrival = -0.5;
        this.#deliver(message.type, message.data, message.lastEventId, message.origin);
      },
      end: () => {
        if (!live()) return;
        this.#parser.end();
        this.#fail(id, networkError('The server closed the stream', 'stream-ended'));
      },
      error: (error: SSEError) => {
        if (live()) this.#fail(id, error);
      },
      reconnecting: (error: SSEError) => {
        if (!live()) return;
        // The browser retries by itself; mirror it without starting our own attempt.
        this.#failures++;
        this.#retrying(error.withRetry(true), null);
      },
    };
  }

  #fail(id: number, error: SSEError): void {
    if (id !== this.#attemptId || !this.#controller) return;
    this.#stop();
    const failures = ++this.#failures;
    const { options } = this;
    const retry =
      options.reconnect !== false &&
      error.code !== 'invalid-url' &&
      (options.retryOn ?? shouldRetry)(error) &&
      failures <= this.#policy.maxAttempts;
    const published = error.withRetry(retry);
    if (!retry) {
      this.#failures = 0;
      this.#status('closed', 0, null, published);
      this.#errorListeners.emit(published);
    } else if (isOffline()) {
      // Trying while the browser knows it is offline would only burn attempts: wait for 'online'.
      const onOnline = () => this.#start('reconnecting');
      globalThis.addEventListener('online', onOnline, { once: true });
      this.#removeOnline = () => globalThis.removeEventListener('online', onOnline);
      this.#retrying(published, null);
    } else {
      const delay = retryDelay(failures, this.#policy, this.#serverRetry, error, options.random);
      this.#retryTimer = setTimeout(() => this.#start('reconnecting'), delay);
      this.#retrying(published, Date.now() + delay);
    }
  }

  /** Publishes a `reconnecting` state for `error` and tells the error listeners. */
  #retrying(error: SSEError, nextRetryAt: number | null): void {
    this.#status('reconnecting', this.#failures, nextRetryAt, error);
    this.#errorListeners.emit(error);
  }

  /** Cancels the current attempt and every timer, leaving the status alone. */
  #stop(): void {
    this.#attemptId++;
    this.#controller?.abort();
    this.#controller = this.#handle = null;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#stallTimer);
    this.#removeOnline?.();
    this.#removeOnline = undefined;
  }

  #armStall(id: number): void {
    const ms = this.#stallTimeout;
    if (ms <= 0) return;
    clearTimeout(this.#stallTimer);
    this.#stallTimer = setTimeout(
      () => this.#fail(id, networkError(`No data for ${ms} ms: the stream stalled`, 'stalled')),
      ms,
    );
  }

  #arrivedAt(): number {
    return this.#arrival < 0
      ? (this.#arrival = (clock ??= globalThis.performance).now())
      : this.#arrival;
  }

  /** An event, from the parser or from a transport that parses by itself. */
  #deliver(type: string, data: string, lastEventId: string, origin: string): void {
    this.#lastEventId = lastEventId;
    this.#idOnly = false;
    const receive = this.#receive;
    if (receive) {
      this.#snapshot = null;
      receive(type, data, lastEventId, origin, this.#arrivedAt());
    } else this.#dispatch({ type, data, lastEventId, origin });
  }

  #dispatch(message: SSEMessage): void {
    const state = this.#state;
    const last = this.#lastByType;
    const known = last.size;
    last.set(message.type, message);
    // A new type beyond the limit: forget the type seen first.
    if (last.size > known && known >= LAST_EVENT_TYPES) last.delete(last.keys().next().value!);
    // The hot path: set the two fields directly instead of going through a patch object.
    state.lastMessage = message;
    this.#changed();
    this.#eventListeners.get(message.type)?.emit(message);
    this.#anyListeners.emit(message);
  }

  /** Publishes a new status with its readyState, attempt and retry time (and error, if given). */
  #status(
    status: ConnectionStatus,
    attempt = 0,
    nextRetryAt: number | null = null,
    error?: SSEError | null,
  ): void {
    const state = this.#state;
    state.status = status;
    state.readyState = status === 'open' ? 1 : status === 'closed' ? 2 : 0;
    state.attempt = attempt;
    state.nextRetryAt = nextRetryAt;
    if (error !== undefined) state.error = error;
    this.#changed();
  }

  #changed(): void {
    this.#snapshot = null;
    this.#stateListeners.emit();
  }
}

// \`performance\` is a lazy accessor on the global object in Node: reading it once per chunk costs
// as much as the clock itself.
let clock: Performance | undefined;

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
 * Listeners called in the order they were added; adding one twice keeps one. The array is
 * replaced, never changed, on add and remove, so the per-event loop is a plain indexed one and a
 * listener removed (or added) during a call takes effect from the next event.
 */
class Listeners<T> {
  list: ReadonlyArray<(value: T) => void> = [];

  add(listener: (value: T) => void): () => void {
    if (!this.list.includes(listener)) this.list = [...this.list, listener];
    return () => {
      this.list = this.list.filter((l) => l !== listener);
    };
  }

  /** Calls each listener; a throwing one must not break the stream or the others: report it. */
  emit(value: T): void;
  emit(this: Listeners<void>): void;
  emit(value?: T): void {
    const list = this.list;
    for (let i = 0; i < list.length; i++) {
      try {
        (list[i] as (value: T | undefined) => void)(value);
      } catch (error) {
        reportListenerError(error);
      }
    }
  }
}
