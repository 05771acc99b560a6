import { parseRetryAfter } from '../backoff.js';
import { SSEError } from '../errors.js';
import type { TransportRequest } from './transport.js';

// What the HTTP transports (fetch, and Node's http) share: the request headers of an event
// stream, and the rules its response must meet.

/** Accepts `text/event-stream` in any case, with any parameters (`; charset=utf-8`). */
const EVENT_STREAM = /^\s*text\/event-stream\s*(;|$)/i;

/** The caller's headers plus `Accept` and, when resuming, `Last-Event-ID`. */
export function streamHeaders({ headers, lastEventId }: TransportRequest): Record<string, string> {
  const all: Record<string, string> = { Accept: 'text/event-stream', ...headers };
  if (lastEventId) all['Last-Event-ID'] = lastEventId;
  return all;
}

/**
 * Why a response cannot be read as an event stream (a status other than 200, or another
 * Content-Type), or undefined when it can.
 */
export function rejectResponse(
  url: string,
  status: number,
  statusText: string,
  type: string | null,
  retryAfter: string | null,
): SSEError | undefined {
  if (status !== 200) {
    return new SSEError('http', `HTTP ${status}${statusText && ' ' + statusText} from ${url}`, {
      status,
      retryAfterMs: parseRetryAfter(retryAfter),
      code: status === 204 ? 'no-content' : undefined,
    });
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

/**
 * A network error: `what` failed because of `cause`. Node's `fetch failed` hides the real reason
 * (ECONNREFUSED...) in its own cause, so that is shown too.
 */
export function networkFailure(what: string, cause: unknown): SSEError {
  const inner = (cause as { cause?: unknown } | null)?.cause;
  const reason = String(cause) + (inner === undefined ? '' : ` (${String(inner)})`);
  return new SSEError('network', `${what}: ${reason}`, { cause });
}
