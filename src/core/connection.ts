import { resolvePolicy, retryDelay, shouldRetry, type ResolvedReconnectPolicy } from './backoff.js';
import { SSEError } from './errors.js';
import { createParser, type Parser } from './parse.js';
import { createFetchTransport } from './transports/fetchTransport.js';
import { createNativeTransport } from './transports/nativeTransport.js';
import type { Transport, TransportHandle, TransportSink } from './transports/transport.js';
import type {
  ConnectionSnapshot,
  ConnectionStatus,
  HeadersOption,
  ReadyState,
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

const READY_STATE: Record<ConnectionStatus, ReadyState> = {
  connecting: 0,
  reconnecting: 0,
  open: 1,
  closed: 2,
};

const INITIAL: ConnectionSnapshot = Object.freeze({
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
  readonly url: string;
  readonly options: Readonly<ConnectionOptions>;

  /** The live state; `snapshot` is an immutable copy made on demand and dropped on change. */
  private readonly state: { -readonly [K in keyof ConnectionSnapshot]: ConnectionSnapshot[K] };
  private snapshot: ConnectionSnapshot | null = null;
  private readonly stateListeners = new Set<() => void>();
  private readonly eventListeners = new Map<string, Set<Listener<SSEMessage>>>();
  private readonly openListeners = new Set<() => void>();
  private readonly errorListeners = new Set<Listener<SSEError>>();
  private readonly lastByType = new Map<string, SSEMessage>();
  private readonly policy: ResolvedReconnectPolicy;
  private readonly transport: Transport;
  private readonly parser: Parser;

  private attemptId = 0;
  private controller: AbortController | null = null;
  private handle: TransportHandle | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private stallTimer: ReturnType<typeof setTimeout> | undefined;
  private removeOnline: (() => void) | null = null;
  private serverRetry: number | undefined;
  /** Consecutive failed attempts; the next attempt's number while reconnecting. */
  private failures = 0;
  /** Whether the current attempt has received a byte since it opened. */
  private receivedSinceOpen = false;
  private origin = '';
  private lastEventIdString: string;

  constructor(url: string, options: ConnectionOptions = {}) {
    this.url = url;
    this.options = options;
    this.policy = resolvePolicy(options.reconnect || undefined);
    this.transport = pickTransport(options);
    this.lastEventIdString = options.lastEventId ?? '';
    this.state = { ...INITIAL, lastEventId: this.lastEventIdString };
    this.parser = createParser(
      {
        onEvent: (event) => {
          this.lastEventIdString = event.lastEventId;
          const factory = this.options.messageFactory;
          this.dispatch(
            factory
              ? factory(event.type, event.data, event.lastEventId, this.origin)
              : { type: event.type, data: event.data, lastEventId: event.lastEventId, origin: this.origin },
          );
        },
        onLastEventId: (id) => {
          // Spec: dispatch sets the last event ID string even when no event fires.
          this.lastEventIdString = id;
          if (this.state.lastEventId !== id) this.publish({ lastEventId: id });
        },
        onRetry: (ms) => {
          this.serverRetry = ms;
        },
        onError: (error) => this.fail(this.attemptId, error),
      },
      options.maxBufferSize === undefined ? undefined : { maxBufferSize: options.maxBufferSize },
    );
    options.signal?.addEventListener('abort', () => {
      if (this.state.status === 'closed') return;
      this.close();
      this.publish({ error: new SSEError('aborted', 'The stream was aborted by its signal') });
    });
  }

  /** The current immutable state. Same object until something changes. */
  getSnapshot = (): ConnectionSnapshot => (this.snapshot ??= Object.freeze({ ...this.state }));

  /** Calls `listener` after every state change. Returns the unsubscribe function. */
  subscribe = (listener: () => void): (() => void) => {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  };

  /**
   * Calls `listener` for every event of `type` (`'*'` for all), in order, synchronously as it is
   * parsed. Returns the unsubscribe function.
   */
  addEventListener(type: string, listener: Listener<SSEMessage>): () => void {
    let set = this.eventListeners.get(type);
    if (!set) this.eventListeners.set(type, (set = new Set()));
    set.add(listener);
    if (type !== ANY_EVENT) this.handle?.listen(type);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.eventListeners.get(type) === set) this.eventListeners.delete(type);
    };
  }

  /** Called each time the stream opens. */
  onOpen(listener: () => void): () => void {
    this.openListeners.add(listener);
    return () => this.openListeners.delete(listener);
  }

  /** Called for each error, with `error.willRetry` saying whether a reconnect follows. */
  onError(listener: Listener<SSEError>): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /** The last event of one type, or undefined before the first. */
  getLastEvent(type: string): SSEMessage | undefined {
    return this.lastByType.get(type);
  }

  /** Starts the stream if it is closed. Calling it on an open or connecting stream does nothing. */
  open(): void {
    if (this.state.status !== 'closed') return;
    if (this.options.signal?.aborted) return;
    this.failures = 0;
    this.startAttempt('connecting');
  }

  /** Closes the stream for good: cancels the request and every timer. `open()` may start it again. */
  close(): void {
    if (this.state.status === 'closed') return;
    this.stopAttempt();
    this.failures = 0;
    this.publish({ status: 'closed', attempt: 0, nextRetryAt: null });
  }

  private startAttempt(status: 'connecting' | 'reconnecting'): void {
    this.stopAttempt();
    const id = ++this.attemptId;
    const controller = new AbortController();
    this.controller = controller;
    this.publish({
      status,
      attempt: status === 'reconnecting' ? this.failures : 0,
      nextRetryAt: null,
    });
    this.armStallTimer(id);
    void this.request(id, controller);
  }

  private async request(id: number, controller: AbortController): Promise<void> {
    const { options } = this;
    let url: string;
    let headers: Record<string, string>;
    try {
      url = resolveUrl(this.url);
    } catch (cause) {
      this.fail(id, new SSEError('network', `Invalid URL: ${this.url}`, { code: 'invalid-url', cause }));
      return;
    }
    try {
      const given = typeof options.headers === 'function' ? await options.headers() : options.headers;
      headers = { ...given };
    } catch (cause) {
      this.fail(id, new SSEError('network', 'The headers function failed', { code: 'headers', cause }));
      return;
    }
    if (id !== this.attemptId) return;

    let body: string | undefined;
    if (options.body !== undefined && options.body !== null) {
      if (typeof options.body === 'string') {
        body = options.body;
      } else {
        body = JSON.stringify(options.body);
        if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) {
          headers['Content-Type'] = 'application/json';
        }
      }
    }

    // Browsers start each new stream with the last event ID they had, not an empty one, so events
    // without an id after a reconnect keep it (and a later reconnect still resumes from it).
    this.parser.reset(this.lastEventIdString);
    this.handle = null;
    const handle = this.transport.connect(
      {
        url,
        method: options.method ?? 'GET',
        headers,
        body,
        credentials: options.credentials ?? (options.withCredentials ? 'include' : 'same-origin'),
        lastEventId: this.lastEventIdString,
        signal: controller.signal,
      },
      this.sinkFor(id),
    );
    if (handle && id === this.attemptId) {
      this.handle = handle;
      for (const type of this.eventListeners.keys()) if (type !== ANY_EVENT) handle.listen(type);
    }
  }

  /** A sink bound to one attempt, so late calls from a superseded attempt are ignored. */
  private sinkFor(id: number): TransportSink {
    const live = () => id === this.attemptId && this.controller !== null;
    return {
      open: (finalUrl) => {
        if (!live()) return;
        this.origin = originOf(finalUrl);
        this.receivedSinceOpen = false;
        // Self-reconnecting transports hand us no bytes, so their open is the only success signal.
        if (this.transport.selfReconnecting) this.failures = 0;
        this.armStallTimer(id);
        this.publish({ status: 'open', error: null, attempt: 0, nextRetryAt: null });
        for (const listener of this.openListeners) safeCall(listener, undefined);
      },
      chunk: (chunk) => {
        if (!live()) return;
        if (!this.receivedSinceOpen) {
          // A stream that delivers bytes has really worked: start backoff again from scratch.
          this.receivedSinceOpen = true;
          this.failures = 0;
        }
        this.armStallTimer(id);
        this.parser.feed(chunk);
      },
      event: (message) => {
        if (!live()) return;
        this.lastEventIdString = message.lastEventId;
        this.dispatch(message);
      },
      end: () => {
        if (!live()) return;
        this.parser.end();
        this.fail(id, new SSEError('network', 'The server closed the stream', { code: 'stream-ended' }));
      },
      error: (error) => {
        if (!live()) return;
        this.fail(id, error);
      },
      reconnecting: (error) => {
        if (!live()) return;
        // The browser retries by itself; mirror it without starting our own attempt.
        this.failures++;
        const e = error.withRetry(true);
        this.publish({ status: 'reconnecting', error: e, attempt: this.failures, nextRetryAt: null });
        for (const listener of this.errorListeners) safeCall(listener, e);
      },
    };
  }

  private fail(id: number, error: SSEError): void {
    if (id !== this.attemptId || this.controller === null) return;
    this.stopAttempt();
    this.failures++;
    const retryOn = this.options.retryOn ?? shouldRetry;
    const retry =
      this.options.reconnect !== false &&
      error.code !== 'invalid-url' &&
      retryOn(error) &&
      this.failures <= this.policy.maxAttempts;
    const published = error.withRetry(retry);
    if (!retry) {
      this.failures = 0;
      this.publish({ status: 'closed', error: published, attempt: 0, nextRetryAt: null });
    } else if (isOffline()) {
      // Trying while the browser knows it is offline would only burn attempts: wait for 'online'.
      this.publish({ status: 'reconnecting', error: published, attempt: this.failures, nextRetryAt: null });
      const onOnline = () => this.startAttempt('reconnecting');
      globalThis.addEventListener('online', onOnline, { once: true });
      this.removeOnline = () => globalThis.removeEventListener('online', onOnline);
    } else {
      const delay = retryDelay(this.failures, this.policy, this.serverRetry, error, this.options.random);
      this.retryTimer = setTimeout(() => this.startAttempt('reconnecting'), delay);
      this.publish({
        status: 'reconnecting',
        error: published,
        attempt: this.failures,
        nextRetryAt: Date.now() + delay,
      });
    }
    for (const listener of this.errorListeners) safeCall(listener, published);
  }

  /** Cancels the current attempt and every timer, leaving the status alone. */
  private stopAttempt(): void {
    this.attemptId++;
    this.controller?.abort();
    this.controller = null;
    this.handle = null;
    clearTimeout(this.retryTimer);
    clearTimeout(this.stallTimer);
    this.retryTimer = this.stallTimer = undefined;
    this.removeOnline?.();
    this.removeOnline = null;
  }

  private armStallTimer(id: number): void {
    const ms = this.options.stallTimeout;
    if (!ms || ms <= 0) return;
    clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => {
      this.fail(id, new SSEError('network', `No data for ${ms} ms: the stream stalled`, { code: 'stalled' }));
    }, ms);
  }

  private dispatch(message: SSEMessage): void {
    this.lastByType.set(message.type, message);
    // The hot path: set the two fields directly instead of going through a patch object.
    this.state.lastMessage = message;
    this.state.lastEventId = message.lastEventId;
    this.changed();
    const typed = this.eventListeners.get(message.type);
    if (typed) for (const listener of typed) safeCall(listener, message);
    const any = this.eventListeners.get(ANY_EVENT);
    if (any) for (const listener of any) safeCall(listener, message);
  }

  private publish(patch: Partial<ConnectionSnapshot>): void {
    Object.assign(this.state, patch);
    if (patch.status !== undefined) this.state.readyState = READY_STATE[patch.status];
    this.changed();
  }

  private changed(): void {
    this.snapshot = null;
    for (const listener of this.stateListeners) safeCall(listener, undefined);
  }
}

function pickTransport(options: ConnectionOptions): Transport {
  const choice = options.transport ?? 'auto';
  if (typeof choice === 'object') return choice;
  if (choice === 'native') return createNativeTransport();
  const plainGet =
    (options.method === undefined || options.method.toUpperCase() === 'GET') &&
    options.headers === undefined &&
    (options.body === undefined || options.body === null) &&
    options.fetch === undefined &&
    options.stallTimeout === undefined &&
    !options.lastEventId;
  if (choice === 'auto' && plainGet && typeof globalThis.EventSource === 'function') {
    return createNativeTransport();
  }
  return createFetchTransport(options.fetch);
}

function resolveUrl(url: string): string {
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  return new URL(url, base).href;
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

function isOffline(): boolean {
  const nav = (globalThis as { navigator?: { onLine?: boolean } }).navigator;
  return nav?.onLine === false && typeof globalThis.addEventListener === 'function';
}

/** A throwing listener must not break the stream or the other listeners; report it instead. */
function safeCall<T>(listener: (value: T) => void, value: T): void {
  try {
    listener(value);
  } catch (error) {
    const report = (globalThis as { reportError?: (e: unknown) => void }).reportError;
    if (typeof report === 'function') report(error);
    else console.error(error);
  }
}
