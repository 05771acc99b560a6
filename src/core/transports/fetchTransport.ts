import { parseRetryAfter } from '../backoff.js';
import { SSEError } from '../errors.js';
import type { Transport, TransportRequest, TransportSink } from './transport.js';

/** Accepts `text/event-stream` in any case, with any parameters (`; charset=utf-8`). */
const EVENT_STREAM = /^\s*text\/event-stream\s*(;|$)/i;

/**
 * A transport over `fetch`: any method, headers and body, so POST streams and `Authorization`
 * headers work. Pass a custom `fetch` for proxies, TLS settings or test doubles.
 *
 * @example
 * ```ts
 * const conn = new Connection(url, { transport: createFetchTransport(myFetch) });
 * ```
 */
export function createFetchTransport(fetchImpl?: typeof fetch): Transport {
  return {
    name: 'fetch',
    connect(request, sink) {
      void run(fetchImpl, request, sink);
    },
  };
}

async function run(
  fetchImpl: typeof fetch | undefined,
  { url, method, headers: extra, body, credentials, lastEventId, signal }: TransportRequest,
  sink: TransportSink,
) {
  const headers: Record<string, string> = { Accept: 'text/event-stream', ...extra };
  if (lastEventId) headers['Last-Event-ID'] = lastEventId;
  // Errors after an abort are the abort itself: the connection has moved on. Node's `fetch failed`
  // hides the real reason (ECONNREFUSED...) in its cause, so that is shown too.
  const broke = (what: string, cause: unknown) => {
    if (signal.aborted) return;
    const inner = (cause as { cause?: unknown } | null)?.cause;
    const reason = String(cause) + (inner === undefined ? '' : ` (${String(inner)})`);
    sink.error(new SSEError('network', `${what}: ${reason}`, { cause }));
  };

  let response: Response;
  try {
    // The global is read per attempt (test doubles and polyfills may install it late); where
    // there is none, the ReferenceError says so.
    response = await (fetchImpl ?? fetch)(url, {
      method,
      headers,
      body,
      credentials,
      signal,
      cache: 'no-store',
    });
  } catch (cause) {
    return broke(`Could not reach ${url}`, cause);
  }

  const { status, statusText, headers: got, body: stream } = response;
  const type = got.get('content-type');
  const error =
    status !== 200
      ? new SSEError('http', `HTTP ${status}${statusText && ' ' + statusText} from ${url}`, {
          status,
          retryAfterMs: parseRetryAfter(got.get('retry-after')),
          code: status === 204 ? 'no-content' : undefined,
        })
      : !EVENT_STREAM.test(type ?? '')
        ? new SSEError(
            'content-type',
            `Expected Content-Type text/event-stream from ${url}, got ${type || 'none'}`,
            { contentType: type },
          )
        : !stream && new SSEError('network', `No response body from ${url}`);
  if (error) {
    // Frees the connection instead of leaving an unread body behind.
    void stream?.cancel().catch(() => {});
    return sink.error(error);
  }

  sink.open(response.url || url);
  const reader = stream!.getReader();
  // Custom fetch implementations may ignore the signal; cancelling the reader ends a pending read.
  // The listener goes with this attempt's signal.
  signal.addEventListener('abort', () => void reader.cancel().catch(() => {}), { once: true });
  try {
    // Chunks that arrive after an abort are dropped by the sink (it belongs to that attempt), so
    // the loop does no per-chunk check of its own.
    for (let read; !(read = await reader.read()).done;) sink.chunk(read.value);
    if (!signal.aborted) sink.end();
  } catch (cause) {
    broke('The stream broke', cause);
  }
}
