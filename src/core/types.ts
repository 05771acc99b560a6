import type { SSEError } from './errors.js';

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
