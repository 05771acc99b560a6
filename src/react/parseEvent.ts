import { SSEError } from '../core/errors.js';
import type { SSEMessage } from '../core/types.js';
import type { ParseOption, TypedMessage } from './types.js';

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
