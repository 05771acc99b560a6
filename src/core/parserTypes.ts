/** The public types of the event-stream parser (`createParser` in parse.ts). */
import type { SSEError } from './errors.js';

/** One dispatched event. */
export interface ParsedEvent {
  /** The `event` field, or `'message'` when there was none (or it was empty). */
  type: string;
  /** The `data` lines joined with LF. */
  data: string;
  /** The last event ID string at dispatch time. */
  lastEventId: string;
}

/** What the parser reports. Only `onEvent` is required. */
export interface ParserCallbacks {
  /** A complete event with data. `type` is `'message'` when no `event` field was given. */
  onEvent(event: ParsedEvent): void;
  /** A valid `retry` field: the reconnection time in milliseconds. */
  onRetry?(ms: number): void;
  /** A comment line: the text after the `:`, exactly as sent (a leading space is kept). */
  onComment?(comment: string): void;
  /**
   * The last event ID string changed: called at dispatch time (on a blank line), before
   * `onEvent`, also when the event has no data and is not dispatched. "Changed" compares with the
   * value last reported, initially the empty string (or the value given to `reset()`).
   */
  onLastEventId?(id: string): void;
  /** The stream could not be parsed (`code: 'buffer-overflow'`). Input is ignored until `reset()`. */
  onError?(error: SSEError): void;
}

/** Parser limits. */
export interface ParserOptions {
  /**
   * The most text the parser holds for one event, in characters (UTF-16 code units, one or two
   * bytes each in memory): a line, plus the data of the event so far, must fit in it. Beyond it
   * `onError` gets a `buffer-overflow` error and input is ignored until `reset()`. Default 4 MiB
   * (`DEFAULT_MAX_BUFFER_SIZE`).
   */
  maxBufferSize?: number;
}

/** A push parser for one stream at a time. */
export interface Parser {
  /** Parses more of the stream: text, or UTF-8 bytes (invalid bytes become U+FFFD). */
  feed(chunk: string | Uint8Array): void;
  /** End of stream: an unterminated final line and an undispatched event are discarded. */
  end(): void;
  /**
   * Starts a new stream: clears every buffer, the UTF-8 decoder and the byte order mark state,
   * and sets the last event ID buffer to `lastEventId` (default: the empty string, as the spec
   * initializes it). Passing the event source's current last event ID string keeps it for the
   * new stream's events until the server sends an `id` (what browsers do on reconnection).
   */
  reset(lastEventId?: string): void;
}
