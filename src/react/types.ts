import type { ConnectionOptions } from '../core/connection.js';
import type { SSEError } from '../core/errors.js';
import type { ConnectionStatus, Continuity, ReadyState, SSEMessage } from '../core/types.js';

/**
 * One event as a hook hands it out: the fields of the WHATWG MessageEvent that SSE fills, with
 * `data` parsed when a `parse` option is given. Objects are frozen and keep their identity.
 */
export interface TypedMessage<TData = string, TType extends string = string> {
  /** The event type: the `event:` field, or `'message'`. */
  readonly type: TType;
  /** The data lines joined with LF, or what `parse` made of them. */
  readonly data: TData;
  /** The last event ID string at the time of dispatch. */
  readonly lastEventId: string;
  /** The origin of the stream's final URL. */
  readonly origin: string;
}

/**
 * How to decode `data`: `'json'` for `JSON.parse`, or a function. A throw becomes an
 * {@link SSEError} of type `'parse'` for the hook that asked; the stream goes on.
 */
export type ParseOption<T = unknown> = 'json' | ((data: string, message: SSEMessage) => T);

/**
 * The options that pick and tune a stream, accepted by every hook, by {@link defineStream} and
 * as defaults by `<EventSourceProvider options>`.
 *
 * Sharing rule: hooks under one provider share one connection when the url and these values are
 * equal (`method`, `headers` values, `body`, `credentials`, `fetch`, `transport`). Functions
 * (`headers` as a function, `fetch`) are not compared: every hook on the same url and values
 * shares, and the function of the most recently rendered hook is used on the next (re)connect,
 * so inline functions never reconnect. Give different `shareKey`s to keep hooks with different
 * functions apart. Settings that only tune a live connection (`reconnect`, `stallTimeout`,
 * `maxBufferSize`, `lastEventId`) come from the hook that opened it.
 */
export interface StreamOptions extends Omit<ConnectionOptions, 'signal'> {
  /**
   * Separates hooks that pass functions (`headers`, `fetch`): hooks on the same url and values
   * with different `shareKey`s get different connections. Without a function option it has no
   * effect, since equal values already mean the same stream.
   */
  shareKey?: string;
  /**
   * How state reaches React. By default changes are coalesced to one render per animation frame
   * (`setTimeout(16)` where there is no `requestAnimationFrame`). A number > 0 coalesces to at
   * most one render per that many ms; `0` renders on every change (no batching).
   */
  throttle?: number;
}

/** Defaults a provider gives every hook below it. */
export interface EventSourceDefaults extends StreamOptions {
  /** Decode `data` for hooks that give no `parse` of their own. */
  parse?: ParseOption<unknown>;
}

/** Options every hook takes on top of {@link StreamOptions}. */
export interface HookStreamOptions extends StreamOptions {
  /** `false` connects nothing (as does a `null` url). Default true. */
  enabled?: boolean;
}

/**
 * The state `useEventSource` reads from a connection. `status` adds `'reconnecting'` to the
 * EventSource `readyState` (0 connecting, 1 open, 2 closed), with the attempt number and the time
 * of the next try.
 */
export interface EventSourceState<TMessage = TypedMessage> {
  readonly readyState: ReadyState;
  readonly status: ConnectionStatus;
  /** The last event of any type (data parsed when asked), or null before the first. */
  readonly lastMessage: TMessage | null;
  /** The last event ID string, kept across reconnects. */
  readonly lastEventId: string;
  /** The connection's last error, or a `'parse'` error when the last message could not be parsed. */
  readonly error: SSEError | null;
  /** Reconnect attempt number (1 for the first retry), 0 when not reconnecting. */
  readonly attempt: number;
  /** Epoch milliseconds of the next try while reconnecting, else null. */
  readonly nextRetryAt: number | null;
  /** True when the stream is shared with other tabs (`share: tabs`), false when it is this tab's own. */
  readonly shared: boolean;
  /** `continuous`, `resumed` (after a reconnect or a tab takeover, with Last-Event-ID) or `gap`. */
  readonly continuity: Continuity;
}

/**
 * The union of typed events of an event map: `{ a: A; b: B }` gives
 * `TypedMessage<A, 'a'> | TypedMessage<B, 'b'>`, so a `switch (message.type)` narrows `data`.
 */
export type StreamMessage<E extends object> = {
  [K in keyof E & string]: TypedMessage<E[K], K>;
}[keyof E & string];
