import { SSEError } from '../errors.js';
import { networkFailure, rejectResponse, streamHeaders } from './http.js';
import type { Transport, TransportRequest, TransportSink } from './transport.js';

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
  request: TransportRequest,
  sink: TransportSink,
) {
  const { url, method, body, credentials, signal } = request;
  // Errors after an abort are the abort itself: the connection has moved on.
  const broke = (what: string, cause: unknown) => {
    if (!signal.aborted) sink.error(networkFailure(what, cause));
  };

  let response: Response;
  try {
    // The global is read per attempt (test doubles and polyfills may install it late); where
    // there is none, the ReferenceError says so.
    response = await (fetchImpl ?? fetch)(url, {
      method,
      headers: streamHeaders(request),
      body,
      credentials,
      signal,
      cache: 'no-store',
    });
  } catch (cause) {
    return broke(`Could not reach ${url}`, cause);
  }

  const { status, statusText, headers: got, body: stream } = response;
  const error =
    rejectResponse(url, status, statusText, got.get('content-type'), got.get('retry-after')) ??
    (!stream && new SSEError('network', `No response body from ${url}`));
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
