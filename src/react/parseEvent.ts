import { SSEError } from '../core/errors.js';
import type { SSEMessage } from '../core/types.js';
import type { ParseOption, TypedMessage } from './types.js';

/** The outcome of decoding one message: the event, or the error that replaces it. */
export type ParseResult =
  | { readonly ok: true; readonly event: TypedMessage<unknown> }
  | { readonly ok: false; readonly error: SSEError };

/** Decoded messages, by message: each message is decoded once per cache. */
export type ParseCache = WeakMap<SSEMessage, ParseResult>;

// 'json' decodes the same way for everyone, so its results are shared by every hook.
const jsonCache: ParseCache = new WeakMap();

/**
 * Decodes `message` with `parse` (none: the message itself), caching by message: in `cache` for
 * parse functions, in a shared cache for `'json'`.
 */
export function parseEvent(
  message: SSEMessage,
  parse: ParseOption | undefined,
  cache: ParseCache,
): ParseResult {
  if (parse === undefined) return { ok: true, event: message };
  const store = parse === 'json' ? jsonCache : cache;
  let result = store.get(message);
  if (!result) {
    result = decode(message, parse);
    store.set(message, result);
  }
  return result;
}

function decode(message: SSEMessage, parse: ParseOption): ParseResult {
  try {
    const data: unknown =
      parse === 'json' ? JSON.parse(message.data) : parse(message.data, message);
    const { type, lastEventId, origin } = message;
    return { ok: true, event: Object.freeze({ type, data, lastEventId, origin }) };
  } catch (cause) {
    const json = parse === 'json';
    const reason = cause instanceof Error ? cause.message : String(cause);
    return {
      ok: false,
      error: new SSEError(
        'parse',
        `Could not decode the data of a "${message.type}" event${json ? ' as JSON' : ''}: ${reason}`,
        { code: json ? 'invalid-json' : 'parse-failed', cause },
      ),
    };
  }
}

/** Reports a decoding error nobody handles, without breaking the stream. */
export function reportParseError(error: SSEError): void {
  console.error(error);
}
