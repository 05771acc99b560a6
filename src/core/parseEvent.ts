import { SSEError } from './errors.js';
import type { SSEMessage } from './types.js';

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

/** Decoded messages, by message: each message is decoded once per cache. */
export type ParseCache = WeakMap<SSEMessage, TypedMessage<unknown> | SSEError>;

// 'json' decodes the same way for everyone, so its results are shared by every hook.
const jsonCache: ParseCache = new WeakMap();

/**
 * Decodes `message` with `parse`: the decoded event (frozen), or the `'parse'` {@link SSEError}
 * that replaces it. Without `parse`, the message itself. Cached by message: in `cache` for parse
 * functions, in a shared cache for `'json'`.
 */
export function parseEvent(
  message: SSEMessage,
  parse: ParseOption | undefined,
  cache: ParseCache,
): TypedMessage<unknown> | SSEError {
  if (parse === undefined) return message;
  const json = parse === 'json';
  const store = json ? jsonCache : cache;
  let result = store.get(message);
  if (!result) {
    const { type, data, lastEventId, origin } = message;
    try {
      result = Object.freeze({
        type,
        data: json ? (JSON.parse(data) as unknown) : parse(data, message),
        lastEventId,
        origin,
      });
    } catch (cause) {
      result = new SSEError(
        'parse',
        `Could not decode the data of a "${type}" event${json ? ' as JSON' : ''}: ${cause instanceof Error ? cause.message : String(cause)}`,
        { code: json ? 'invalid-json' : 'parse-failed', cause },
      );
    }
    store.set(message, result);
  }
  return result;
}
