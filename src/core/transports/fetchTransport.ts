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
      void run(fetchImpl ?? globalThis.fetch, request, sink);
    },
  };
}

async function run(fetchFn: typeof fetch, request: TransportRequest, sink: TransportSink) {
  const { signal, url } = request;
  const headers: Record<string, string> = { Accept: 'text/event-stream', ...request.headers };
  if (request.lastEventId) headers['Last-Event-ID'] = request.lastEventId;
  const broke = (what: string, cause: unknown) => {
    if (!signal.aborted)
      sink.error(new SSEError('network', `${what}: ${describe(cause)}`, { cause }));
  };

  let response: Response;
  try {
    if (typeof fetchFn !== 'function') throw new TypeError('fetch is not available');
    response = await fetchFn(url, {
      method: request.method,
      headers,
      body: request.body,
      credentials: request.credentials,
      signal,
      cache: 'no-store',
    });
  } catch (cause) {
    return broke(`Could not reach ${url}`, cause);
  }

  const { status, body } = response;
  const contentType = response.headers.get('content-type');
  const reject = (error: SSEError) => {
    void body?.cancel().catch(() => {});
    sink.error(error);
  };
  if (status !== 200) {
    return reject(
      new SSEError(
        'http',
        status === 204
          ? `HTTP 204 No Content from ${url}: the stream is over`
          : `HTTP ${status}${response.statusText ? ` ${response.statusText}` : ''} from ${url}`,
        {
          status,
          retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
          code: status === 204 ? 'no-content' : undefined,
        },
      ),
    );
  }
  if (!contentType || !EVENT_STREAM.test(contentType)) {
    return reject(
      new SSEError(
        'content-type',
        `Expected Content-Type text/event-stream from ${url}, got ${contentType ? `"${contentType}"` : 'none'}`,
        { contentType },
      ),
    );
  }
  if (!body) return sink.error(new SSEError('network', `No response body from ${url}`));

  sink.open(response.url || url);
  const reader = body.getReader();
  const cancel = () => void reader.cancel().catch(() => {});
  signal.addEventListener('abort', cancel, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (signal.aborted) return;
      if (done) break;
      sink.chunk(value);
    }
    sink.end();
  } catch (cause) {
    broke('The stream broke', cause);
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}

function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = (cause as { cause?: unknown }).cause;
    return inner instanceof Error ? `${cause.message} (${inner.message})` : cause.message;
  }
  return String(cause);
}
