import type { Clock } from './clock.js';
import type { SSEError } from './errors.js';
import type { Transport } from './transports/transport.js';

/** One event as delivered to listeners: the shape of the WHATWG MessageEvent's SSE fields. */
export interface SSEMessage<TData = string> {
  /** The event type: the `event:` field, or `'message'`. */
  readonly type: string;
  /** The data lines joined with LF (or the caller's parsed value). */
  readonly data: TData;
  /** The last event ID string at the time of dispatch. */
  readonly lastEventId: string;
  /** The origin of the stream's final URL. */
  readonly origin: string;
}

/** Connection lifecycle. `reconnecting` is `connecting` after a loss, with a retry scheduled. */
export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** EventSource readyState numbers: 0 CONNECTING, 1 OPEN, 2 CLOSED. */
export type ReadyState = 0 | 1 | 2;

/**
 * An immutable view of a connection. A new object is published on every change and the old one
 * is never mutated, so `Object.is` tells whether anything changed.
 */
export interface ConnectionSnapshot {
  readonly status: ConnectionStatus;
  readonly readyState: ReadyState;
  /** The last event ID string, kept across reconnects and sent as `Last-Event-ID`. */
  readonly lastEventId: string;
  /** The last event of any type, or null before the first. */
  readonly lastMessage: SSEMessage | null;
  /** The last error, cleared when the connection opens again. */
  readonly error: SSEError | null;
  /** Reconnect attempt number (1 for the first retry), 0 when not reconnecting. */
  readonly attempt: number;
  /** Epoch milliseconds of the next try while reconnecting, else null. */
  readonly nextRetryAt: number | null;
  /**
   * Whether this state comes from a stream shared with other tabs of the browser (see
   * `sse-hooks/tabs`). False for a connection of this tab alone, including the per-tab fallback.
   */
  readonly shared: boolean;
  /** Whether events may have been missed since the stream first opened: see {@link Continuity}. */
  readonly continuity: Continuity;
}

/**
 * How the current connection continues the stream. `continuous`: the first connection, nothing
 * missed. `resumed`: reconnected (or taken over by another tab) with a `Last-Event-ID`, so a
 * server that replays after it missed nothing. `gap`: reconnected with no ID to resume from, or a
 * tab could not follow part of the stream: events may be missing, refetch what matters.
 */
export type Continuity = 'continuous' | 'resumed' | 'gap';

/** Header values, or a function (possibly async) called on every (re)connect. */
export type HeadersOption =
  Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);

/** How the connection retries. Every field is optional. */
export interface ReconnectPolicy {
  /** First backoff delay in ms when the server gave no `retry:` (default 1000). */
  initialDelay?: number;
  /** Upper bound of any delay in ms (default 30000). */
  maxDelay?: number;
  /** Growth factor per attempt (default 2). */
  factor?: number;
  /** Full jitter: a random delay in [0, computed] (default true). */
  jitter?: boolean;
  /** Give up after this many consecutive failed attempts (default Infinity). */
  maxAttempts?: number;
}

/**
 * What hooks and registries need of a stream: a `Connection`, or an object that behaves as
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
  /** Counters, failures and last events, for devtools (see `Connection.inspect`). */
  inspect(): ConnectionInspection;
  /** Connects again at once (see `Connection.reconnect`). */
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
  /** Which errors are worth a retry (default `shouldRetry`). */
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
  /** Time and timers of the connection and its transport (default: the platform's). */
  clock?: Clock;
  /**
   * Share the stream beyond this registry, e.g. `tabs` from `sse-hooks/tabs` for one connection
   * per browser. Honoured by registries and hooks; `new Connection` ignores it.
   */
  share?: ShareStrategy;
}

/** A failure in a connection's history, as `Connection.inspect` reports it. */
export interface FailureRecord {
  /** When it happened (`Date.now()`). */
  readonly at: number;
  readonly error: SSEError;
}

/** What `Connection.inspect` reports: counters, history and the last event of each type. */
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
  /** The last 50 failures, oldest first. */
  readonly history: readonly FailureRecord[];
  /** The last event of each type seen (the newest 256 types). */
  readonly lastEvents: readonly SSEMessage[];
}
