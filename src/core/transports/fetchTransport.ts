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
  const { signal } = request;
  const headers: Record<string, string> = { Accept: 'text/event-stream', ...request.headers };
  if (request.lastEventId) headers['Last-Event-ID'] = request.lastEventId;

  let response: Response;
  try {
    if (typeof fetchFn !== 'function') throw new TypeError('fetch is not available');
    response = await fetchFn(request.url, {
      method: request.method,
      headers,
      body: request.body,
      credentials: request.credentials,
      signal,
      cache: 'no-store',
    });
  } catch (cause) {
    if (!signal.aborted) {
      sink.error(new SSEError('network', `Could not reach ${request.url}: ${describe(cause)}`, { cause }));
    }
    return;
  }

  if (response.status !== 200) {
    void response.body?.cancel().catch(() => {});
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    const message =
      response.status === 204
        ? 'The server answered 204 No Content: the stream is over'
        : `The server answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    sink.error(
      new SSEError('http', message, {
        status: response.status,
        retryAfterMs,
        code: response.status === 204 ? 'no-content' : undefined,
      }),
    );
    return;
  }

  const contentType = response.headers.get('content-type');
  if (!contentType || !EVENT_STREAM.test(contentType)) {
    void response.body?.cancel().catch(() => {});
    sink.error(
      new SSEError(
        'content-type',
        `Expected Content-Type text/event-stream, got ${contentType ? `"${contentType}"` : 'none'}`,
        { contentType },
      ),
    );
    return;
  }

  const body = response.body;
  if (!body) {
    sink.error(new SSEError('network', 'The response has no body'));
    return;
  }

  sink.open(response.url || request.url);
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
    if (!signal.aborted) {
      sink.error(new SSEError('network', `The stream broke: ${describe(cause)}`, { cause }));
    }
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
