import { SSEError } from '../errors.js';
import { parseRetryAfter } from '../reconnect.js';

// What the HTTP transports (fetch, and Node's http) share: the rules an event stream's response
// must meet, and how a refused response's body becomes part of the error.

/** Accepts `text/event-stream` in any case, with any parameters (`; charset=utf-8`). */
const EVENT_STREAM = /^\s*text\/event-stream\s*(;|$)/i;

/** How much of an error response's body is read: enough for any JSON error message. */
export const ERROR_BODY_BYTES = 4096;

/** How long an error body may take to arrive: a server that stalls it must not stall the retry. */
export const ERROR_BODY_MS = 2000;

/**
 * Why a response cannot be read as an event stream (a status other than 200, or another
 * Content-Type), or undefined when it can. `now` is the clock's, for a `Retry-After` date;
 * `body` is the start of an error response's body.
 */
export function rejectResponse(
  url: string,
  status: number,
  statusText: string,
  type: string | null,
  retryAfter: string | null,
  now: number,
  body?: string,
): SSEError | undefined {
  if (status !== 200) {
    const reason = body && messageOf(body);
    return new SSEError(
      'http',
      `HTTP ${status}${statusText && ' ' + statusText} from ${url}${reason ? ': ' + reason : ''}`,
      {
        status,
        retryAfterMs: parseRetryAfter(retryAfter, now),
        code: status === 204 ? 'no-content' : undefined,
        body: body || undefined,
      },
    );
  }
  if (!EVENT_STREAM.test(type ?? '')) {
    return new SSEError(
      'content-type',
      `Expected Content-Type text/event-stream from ${url}, got ${type || 'none'}`,
      { contentType: type },
    );
  }
  return undefined;
}

/** Decodes the first {@link ERROR_BODY_BYTES} bytes of `parts`. */
export function decodeSome(parts: Uint8Array[]): string {
  const all = new Uint8Array(
    Math.min(
      ERROR_BODY_BYTES,
      parts.reduce((n, p) => n + p.length, 0),
    ),
  );
  let at = 0;
  for (const part of parts) {
    if (at >= all.length) break;
    all.set(part.subarray(0, all.length - at), at);
    at += part.length;
  }
  return new TextDecoder().decode(all);
}

/**
 * The human message in an error body: the JSON shapes of common APIs (`{ error: { message } }`
 * as OpenAI and Anthropic send, `{ message }`, `{ error }`, `{ detail }`), else a short plain
 * text body. HTML pages say nothing a user should read.
 */
function messageOf(body: string): string | undefined {
  try {
    const json = JSON.parse(body) as Record<string, unknown> | null;
    const error = json?.error as Record<string, unknown> | string | undefined;
    for (const candidate of [
      typeof error === 'object' ? error?.message : error,
      json?.message,
      json?.detail,
      json?.error_description,
    ]) {
      if (typeof candidate === 'string' && candidate) return candidate.slice(0, 500);
    }
    return undefined;
  } catch {
    const text = body.trim();
    return text && !text.startsWith('<') && text.length <= 200 ? text : undefined;
  }
}

/**
 * A network error: `what` failed because of `cause`. Node's `fetch failed` hides the real reason
 * (ECONNREFUSED...) in its own cause, so that is shown too.
 */
export function networkFailure(what: string, cause: unknown): SSEError {
  const inner = (cause as { cause?: unknown } | null)?.cause;
  const reason = String(cause) + (inner === undefined ? '' : ` (${String(inner)})`);
  return new SSEError('network', `${what}: ${reason}`, { cause });
}
