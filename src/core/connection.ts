import { SSEError, type SSEErrorCode } from './errors.js';
import { createParser, type ParsedEvent, type Parser } from './parse.js';
import { Backoff } from './reconnect.js';
import { buildRequest } from './request.js';
import { StreamBase } from './streamBase.js';
import { createFetchTransport } from './transports/fetchTransport.js';
import { createNativeTransport } from './transports/nativeTransport.js';
import type { Transport, TransportHandle, TransportSink } from './transports/transport.js';
import type {
  ConnectionSnapshot,
  ConnectionStatus,
  Continuity,
  HeadersOption,
  ReconnectPolicy,
  SSEMessage,
} from './types.js';

/**
 * What hooks and registries need of a stream: a {@link Connection}, or an object that behaves as
 * one (such as a stream shared across tabs).
 */
export interface StreamConnection {
  readonly url: string;
  readonly options: Readonly<ConnectionOptions>;
  getSnapshot(): ConnectionSnapshot;
  subscribe(listener: () => void): () => void;
  addEventListener(type: string, listener: (message: SSEMessage) => void): () => void;
  onOpen(listener: () => void): () => void;
  onError(listener: (error: SSEError) => void): () => void;
  getLastEvent(type: string): SSEMessage | undefined;
  open(): void;
  close(): void;
  /** Counters, failures and last events, for devtools (see {@link Connection.inspect}). */
  inspect(): ConnectionInspection;
  /** Connects again at once (see {@link Connection.reconnect}). */
  reconnect(): void;
}

/**
 * Makes the connection of a stream that opts into a sharing strategy (`share` option), as
 * `tabs` from `sse-hooks/tabs` does. Registries call it in place of `new Connection`.
 */
export interface ShareStrategy {
  create(url: string, options: ConnectionOptions): StreamConnection;
}

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
  /**
   * `'fetch'` (default, everywhere), `'native'` (the browser's own EventSource: plain GETs only,
   * see its limits in the docs; options it cannot honour throw a `TypeError` here), or a
   * transport object.
   */
  transport?: 'fetch' | 'native' | Transport;
  /**
   * Query parameter that carries the last event ID where the `Last-Event-ID` header would cost
   * the resume: a cross-origin stream that would otherwise need no CORS preflight, or an ID
   * Node's HTTP clients refuse in a header. Default `'lastEventId'`; `false` always uses the
   * header.
   */
  lastEventIdParam?: string | false;
  /** Backoff settings, or `false` to never reconnect. */
  reconnect?: ReconnectPolicy | false;
  /** Which errors are worth a retry (default {@link shouldRetry}). */
  retryOn?: (error: SSEError) => boolean;
  /** Reconnect when no byte (comments included) arrives for this many ms. Off by default. */
  stallTimeout?: number;
  /** Maximum bytes the parser holds for one pending event before the stream fails for good. */
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
   * and dispatches its own event objects, such as the EventSource class.
   */
  receive?: (type: string, data: string, lastEventId: string, origin: string) => void;
  /**
   * Share the stream beyond this registry, e.g. `tabs` from `sse-hooks/tabs` for one connection
   * per browser. Honoured by registries and hooks; `new Connection` ignores it.
   */
  share?: ShareStrategy;
}

/** A failure in a connection's history, as {@link Connection.inspect} reports it. */
export interface FailureRecord {
  /** When it happened (`Date.now()`). */
  readonly at: number;
  readonly error: SSEError;
}

/** What {@link Connection.inspect} reports: counters, history and the last event of each type. */
export interface ConnectionInspection {
  readonly url: string;
  readonly method: string;
  /** The transport's name: `fetch`, `native`, `node` or a custom one. */
  readonly transport: string;
  readonly snapshot: ConnectionSnapshot;
  /** Events delivered since the connection was created. */
  readonly events: number;
  /** Bytes (or characters, from a transport that hands over text) received since then. */
  readonly bytes: number;
  /** The last {@link HISTORY_SIZE} failures, oldest first. */
  readonly history: readonly FailureRecord[];
  /** The last event of each type seen (the newest {@link LAST_EVENT_TYPES} types). */
  readonly lastEvents: readonly SSEMessage[];
}

/** How many failures a connection remembers for {@link Connection.inspect}. */
export const HISTORY_SIZE = 50;

/** The state of a connection that was never opened. */
export const INITIAL: ConnectionSnapshot = /* @__PURE__ */ Object.freeze({
  status: 'closed',
  readyState: 2,
  lastEventId: '',
  lastMessage: null,
  error: null,
  attempt: 0,
  nextRetryAt: null,
  shared: false,
  continuity: 'continuous',
});

export { ANY_EVENT, LAST_EVENT_TYPES } from './streamBase.js';

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
export class Connection extends StreamBase implements StreamConnection {
  readonly url: string;
  readonly options: Readonly<ConnectionOptions>;

  readonly #backoff: Backoff;
  readonly #transport: Transport;
  readonly #stallTimeout: number;
  readonly #receive: ConnectionOptions['receive'];

  #attemptId = 0;
  #controller: AbortController | null = null;
  #handle: TransportHandle | null | void = null;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #stallTimer: ReturnType<typeof setTimeout> | undefined;
  #removeOnline: (() => void) | undefined;
  #origin = '';
  /** The last event ID changed without an event (an id-only block): not published yet. */
  #idOnly = false;
  #events = 0;
  #bytes = 0;
  readonly #history: FailureRecord[] = [];
  #everOpened = false;

  constructor(url: string, options: ConnectionOptions = {}) {
    const { lastEventId: _, ...initial } = INITIAL;
    super(initial, options.lastEventId ?? '');
    this.url = url;
    this.options = options;
    this.#transport = pickTransport(options);
    this.#backoff = new Backoff(options.reconnect, options.retryOn, options.random);
    this.#stallTimeout = options.stallTimeout ?? 0;
    this.#receive = options.receive;
    options.signal?.addEventListener('abort', () => {
      if (this.state.status === 'closed') return;
      this.close();
      this.state.error = new SSEError('aborted', 'The stream was aborted by its signal');
      this.changed();
    });
  }

  /** The native transport delivers only the types listened to: tell the live attempt. */
  protected override listening(type: string): void {
    this.#handle?.listen(type);
  }

  /**
   * Counters, failure history and the last event of each type, for devtools. A new object on
   * every call, built from what the connection keeps anyway: it costs nothing when not called.
   *
   * @example
   * ```ts
   * const { events, bytes, history } = conn.inspect();
   * ```
   */
  inspect(): ConnectionInspection {
    return {
      url: this.url,
      method: (this.options.method ?? 'GET').toUpperCase(),
      transport: this.#transport.name,
      snapshot: this.getSnapshot(),
      events: this.#events,
      bytes: this.#bytes,
      history: [...this.#history],
      lastEvents: [...this.lastByType.values()],
    };
  }

  /**
   * Drops the current attempt and connects again at once, with the last event ID; opens a closed
   * stream. For devtools and "retry now" buttons.
   */
  reconnect(): void {
    if (this.state.status === 'closed') return this.open();
    this.#backoff.reset();
    this.#start('connecting');
  }

  /** Starts the stream if it is closed. Calling it on an open or connecting stream does nothing. */
  open(): void {
    if (this.state.status !== 'closed' || this.options.signal?.aborted) return;
    this.#backoff.reset();
    this.#start('connecting');
  }

  /** Closes the stream for good: cancels the request and every timer. `open()` may start it again. */
  close(): void {
    if (this.state.status === 'closed') return;
    this.#stop();
    this.#status('closed');
  }

  #start(status: 'connecting' | 'reconnecting'): void {
    this.#stop();
    const id = ++this.#attemptId;
    const controller = (this.#controller = new AbortController());
    this.#status(status, status === 'reconnecting' ? this.#backoff.failures : 0);
    this.#armStall(id);
    void this.#request(id, controller.signal);
  }

  async #request(id: number, signal: AbortSignal): Promise<void> {
    const { options } = this;
    let headers: Record<string, string>;
    try {
      // Awaited even when it is an object: every failure below reaches listeners after `open()`
      // returned, as the spec's "fail the connection" is a queued task.
      const h = options.headers;
      headers = { ...(await (typeof h === 'function' ? h() : h)) };
    } catch (cause) {
      return this.#fail(id, networkError('The headers function failed', 'headers', cause));
    }
    if (id !== this.#attemptId) return;
    let request;
    try {
      request = buildRequest(this.url, options, headers, this.lastEventId, signal);
    } catch (cause) {
      return this.#fail(id, networkError(`Invalid URL: ${this.url}`, 'invalid-url', cause));
    }
    // Spec: fetching any other scheme is futile, so the connection fails instead of retrying.
    // A custom fetch, or a transport that says so, may know schemes of its own.
    if (!/^https?:/.test(request.url) && !options.fetch && !this.#transport.anyScheme) {
      return this.#fail(id, networkError(`Cannot fetch ${request.url}`, 'invalid-url'));
    }
    this.#handle = null;
    let handle: TransportHandle | void;
    try {
      handle = this.#transport.connect(request, this.#sinkFor(id));
    } catch (cause) {
      // A transport should report through its sink; one that throws fails this attempt.
      return this.#fail(
        id,
        networkError(`Could not reach ${request.url}: ${String(cause)}`, 'transport', cause),
      );
    }
    if (handle && id === this.#attemptId) {
      this.#handle = handle;
      for (const type of this.eventListeners.keys()) handle.listen(type);
    }
  }

  /**
   * A sink bound to one attempt, with a parser of its own: calls from a superseded attempt are
   * ignored, and events still in the chunk being parsed when a listener closes the stream are
   * dropped.
   */
  #sinkFor(id: number): TransportSink {
    const live = () => id === this.#attemptId && this.#controller !== null;
    const deliver = (type: string, data: string, lastEventId: string, origin: string) => {
      if (id === this.#attemptId) this.#deliver(type, data, lastEventId, origin);
    };
    let parser: Parser | undefined;
    const parse = () =>
      (parser ??= this.#parserFor(id, (event) =>
        deliver(event.type, event.data, event.lastEventId, this.#origin),
      ));
    return {
      open: (finalUrl: string) => {
        if (!live()) return;
        this.#origin = originOf(finalUrl);
        this.#armStall(id);
        // Every connection after the first asked the server to resume, or could not.
        let continuity: Continuity = 'continuous';
        if (this.#everOpened) continuity = this.lastEventId ? 'resumed' : 'gap';
        this.#everOpened = true;
        this.state.continuity = continuity;
        this.#status('open', 0, null, null);
        this.openListeners.emit();
      },
      chunk: (chunk: Uint8Array | string) => {
        if (id !== this.#attemptId) return;
        this.#armStall(id);
        this.#bytes += chunk.length;
        parse().feed(chunk);
        // An id-only block changes the last event ID without an event: publish it now.
        if (this.#idOnly && this.#attemptId === id) {
          this.#idOnly = false;
          this.changed();
        }
      },
      event: (message: SSEMessage) => {
        if (live()) deliver(message.type, message.data, message.lastEventId, message.origin);
      },
      end: () => {
        if (!live()) return;
        parser?.end();
        this.#fail(id, networkError('The server closed the stream', 'stream-ended'));
      },
      error: (error: SSEError) => {
        if (live()) this.#fail(id, error);
      },
      reconnecting: (error: SSEError) => {
        if (!live()) return;
        // The browser retries by itself: count it against the policy, and end it when spent.
        const delay = this.#backoff.failed(error);
        if (delay === null) return this.#giveUp(error);
        this.#retrying(error.withRetry(true), null);
      },
    };
  }

  #parserFor(id: number, onEvent: (event: ParsedEvent) => void): Parser {
    const parser = createParser(
      {
        onEvent,
        onLastEventId: (lastEventId) => {
          if (id !== this.#attemptId) return;
          // Spec: dispatch sets the last event ID string even when no event fires. The event
          // that usually follows publishes it; an id-only block is published after the chunk.
          this.lastEventId = lastEventId;
          this.#idOnly = true;
        },
        onRetry: (ms) => {
          if (id === this.#attemptId) this.#backoff.serverRetry = ms;
        },
        onError: (error) => this.#fail(id, error),
      },
      this.options.maxBufferSize === undefined
        ? undefined
        : { maxBufferSize: this.options.maxBufferSize },
    );
    // Browsers start each new stream with the last event ID they had, not an empty one, so events
    // without an id after a reconnect keep it (and a later reconnect still resumes from it).
    parser.reset(this.lastEventId);
    return parser;
  }

  #fail(id: number, error: SSEError): void {
    if (id !== this.#attemptId || !this.#controller) return;
    this.#stop();
    const delay = this.#backoff.failed(error);
    if (delay === null) return this.#giveUp(error);
    const published = error.withRetry(true);
    if (isOffline()) {
      // Trying while the browser knows it is offline would only burn attempts: wait for 'online'.
      const onOnline = () => this.#start('reconnecting');
      globalThis.addEventListener('online', onOnline, { once: true });
      this.#removeOnline = () => globalThis.removeEventListener('online', onOnline);
      this.#retrying(published, null);
    } else {
      this.#retryTimer = setTimeout(() => this.#start('reconnecting'), delay);
      this.#retrying(published, Date.now() + delay);
    }
  }

  #remember(error: SSEError): void {
    const history = this.#history;
    if (history.push({ at: Date.now(), error }) > HISTORY_SIZE) history.shift();
  }

  /** Closes for good after `error`, and says so. */
  #giveUp(error: SSEError): void {
    this.#stop();
    const published = error.withRetry(false);
    this.#remember(published);
    this.#status('closed', 0, null, published);
    this.errorListeners.emit(published);
  }

  /** Publishes a `reconnecting` state for `error` and tells the error listeners. */
  #retrying(error: SSEError, nextRetryAt: number | null): void {
    this.#remember(error);
    this.#status('reconnecting', this.#backoff.failures, nextRetryAt, error);
    this.errorListeners.emit(error);
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

  /** An event, from the parser or from a transport that parses by itself. */
  #deliver(type: string, data: string, lastEventId: string, origin: string): void {
    // An event is what proves the stream works; bytes or comments alone do not.
    this.#backoff.reset();
    this.#events++;
    this.lastEventId = lastEventId;
    this.#idOnly = false;
    const receive = this.#receive;
    if (receive) {
      this.stale();
      receive(type, data, lastEventId, origin);
    } else this.fanOut({ type, data, lastEventId, origin });
  }

  /** Publishes a new status with its readyState, attempt and retry time (and error, if given). */
  #status(
    status: ConnectionStatus,
    attempt = 0,
    nextRetryAt: number | null = null,
    error?: SSEError | null,
  ): void {
    const state = this.state;
    state.status = status;
    state.readyState = status === 'open' ? 1 : status === 'closed' ? 2 : 0;
    state.attempt = attempt;
    state.nextRetryAt = nextRetryAt;
    if (error !== undefined) state.error = error;
    this.changed();
  }
}

/**
 * Options the browser's own EventSource cannot honour: it sends a plain GET, keeps no buffer
 * limit and retries on its own clock. `reconnect: false` and `maxAttempts` are honoured (the
 * connection counts the browser's retries and closes it).
 */
const NATIVE_LIMITS = [
  'headers',
  'body',
  'fetch',
  'retryOn',
  'maxBufferSize',
  'stallTimeout',
  'lastEventId',
] as const;

function pickTransport(options: ConnectionOptions): Transport {
  const choice = options.transport ?? 'fetch';
  if (typeof choice === 'object') return choice;
  if (choice !== 'native') return createFetchTransport(options.fetch);
  const { reconnect } = options;
  const refused: string[] = NATIVE_LIMITS.filter((name) => options[name] != null);
  if ((options.method ?? 'GET').toUpperCase() !== 'GET') refused.push('method');
  if (reconnect && Object.keys(reconnect).some((key) => key !== 'maxAttempts')) {
    refused.push('reconnect delays');
  }
  if (refused.length) {
    throw new TypeError(
      `transport 'native' cannot honour: ${refused.join(', ')} (the browser's EventSource sends a plain GET and retries on its own clock). Use the default fetch transport.`,
    );
  }
  return createNativeTransport();
}

function networkError(message: string, code: SSEErrorCode, cause?: unknown): SSEError {
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
