import type { BodyOption, ConnectionOptions } from './types.js';
import type { TransportRequest } from './transports/transport.js';

/** Default name of the query parameter that carries the last event ID when a header cannot. */
export const LAST_EVENT_ID_PARAM = 'lastEventId';

/** Request headers a browser sends cross-origin without a preflight (Fetch: CORS-safelisted). */
const SAFELISTED = /^(accept|accept-language|content-language|content-type)$/i;
// eslint-disable-next-line no-control-regex -- control characters are exactly what it finds
const HEADER_REFUSED = /[\0-\x08\n-\x1f\x7f]/;
const SIMPLE_TYPES = /^(application\/x-www-form-urlencoded|multipart\/form-data|text\/plain)\b/i;

/**
 * Builds the request of one attempt: absolute URL, headers (with `Accept` and the last event ID
 * as UTF-8), body and credentials. Pure: the caller resolves a headers function first.
 *
 * The last event ID goes in the `Last-Event-ID` header, except in two cases where the header
 * would cost the stream its resume, and the query parameter `lastEventIdParam` carries it:
 * - a cross-origin request that would otherwise need no CORS preflight: the header is not
 *   safelisted, and many SSE servers never answer a preflight (the browser's own EventSource
 *   sends the header without one, which a script cannot);
 * - an ID the platform's HTTP client refuses in a header (Node's clients refuse control
 *   characters that browsers send).
 *
 * Throws a `TypeError` for a URL that cannot be resolved.
 */
export function buildRequest(
  target: string,
  options: ConnectionOptions,
  headers: Record<string, string>,
  lastEventId: string,
  signal: AbortSignal,
): TransportRequest {
  const location = (globalThis as { location?: { href?: string; origin?: string } }).location;
  const url = new URL(target, location?.href);
  const method = (options.method ?? 'GET').toUpperCase();
  const all: Record<string, string> = { Accept: 'text/event-stream', ...headers };
  const body = encodeBody(options.body, all);
  const param = options.lastEventIdParam ?? LAST_EVENT_ID_PARAM;
  if (lastEventId) {
    const inBrowser = location?.origin !== undefined;
    // Node's HTTP clients refuse control characters (but tab) in a header; browsers send them.
    const refused = !inBrowser && HEADER_REFUSED.test(lastEventId);
    const crossOriginSimple =
      inBrowser &&
      url.origin !== location.origin &&
      (method === 'GET' || method === 'HEAD' || method === 'POST') &&
      Object.entries(all).every(
        ([name, value]) =>
          SAFELISTED.test(name) && (!/^content-type$/i.test(name) || SIMPLE_TYPES.test(value)),
      );
    if (param && (crossOriginSimple || refused)) url.searchParams.set(param, lastEventId);
    else if (!refused) all['Last-Event-ID'] = utf8Binary(lastEventId);
  }
  return {
    url: url.href,
    method,
    headers: all,
    body,
    credentials: options.credentials ?? (options.withCredentials ? 'include' : 'same-origin'),
    lastEventId,
    signal,
    clock: options.clock,
  };
}

/** A string is sent as is; anything else as JSON, with a JSON Content-Type unless one is set. */
function encodeBody(given: BodyOption | undefined, headers: Record<string, string>) {
  if (typeof given === 'string' || given == null) return given ?? undefined;
  if (!Object.keys(headers).some((k) => /^content-type$/i.test(k))) {
    headers['Content-Type'] = 'application/json';
  }
  return JSON.stringify(given);
}

/**
 * The UTF-8 bytes of `text`, one character per byte: header values are byte strings, and the
 * spec (and every browser's EventSource) sends the last event ID as UTF-8.
 */
export function utf8Binary(text: string): string {
  // ASCII, the usual case, is its own encoding.
  if (!/[^\0-\x7f]/.test(text)) return text;
  let out = '';
  for (const byte of new TextEncoder().encode(text)) out += String.fromCharCode(byte);
  return out;
}
