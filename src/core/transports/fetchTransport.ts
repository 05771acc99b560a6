import { systemClock, type Clock } from '../clock.js';
import { SSEError } from '../errors.js';
import {
  ERROR_BODY_BYTES,
  ERROR_BODY_MS,
  decodeSome,
  networkFailure,
  rejectResponse,
} from './http.js';
import type { Transport, TransportRequest, TransportSink } from './transport.js';

/**
 * A transport over `fetch`, the default everywhere: any method, headers and body, so POST
 * streams and `Authorization` headers work. Requests use `cache: 'no-store'`, with which browsers
 * and Node add `Cache-Control: no-cache` themselves (without the CORS preflight an explicit
 * header would need). Pass a custom `fetch` for proxies, TLS settings or test doubles.
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
  const { url, method, headers, body, credentials, signal, clock = systemClock } = request;
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
  let error = rejectResponse(url, status, statusText, type, null, 0);
  if (error) {
    const text = status === 200 ? undefined : await readSome(stream, clock);
    // Frees the connection instead of leaving an unread body behind.
    void stream?.cancel().catch(() => {});
    if (signal.aborted) return;
    const retryAfter = got.get('retry-after');
    error = rejectResponse(url, status, statusText, type, retryAfter, clock.now(), text);
    return sink.error(error!);
  }
  if (!stream) return sink.error(new SSEError('network', `No response body from ${url}`));

  sink.open(response.url || url);
  const reader = stream.getReader();
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

/** The start of an error body, as text; whatever arrived when it stalls or breaks. */
async function readSome(
  stream: ReadableStream<Uint8Array> | null,
  clock: Clock,
): Promise<string | undefined> {
  if (!stream) return undefined;
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  let timer: unknown;
  const timeout = new Promise<void>(
    (resolve) => (timer = clock.setTimeout(resolve, ERROR_BODY_MS)),
  );
  try {
    while (size < ERROR_BODY_BYTES) {
      const read = await Promise.race([reader.read(), timeout]);
      if (!read || read.done) break;
      parts.push(read.value);
      size += read.value.length;
    }
  } catch {
    // A body that breaks says what it said so far.
  }
  clock.clearTimeout(timer);
  void reader.cancel().catch(() => {});
  return decodeSome(parts);
}
