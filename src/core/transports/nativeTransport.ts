import { SSEError } from '../errors.js';
import type { Transport } from './transport.js';

/**
 * A transport over the browser's own `EventSource`, for plain GET streams. The browser parses,
 * reconnects and sends `Last-Event-ID` itself; this transport mirrors what it sees. It cannot
 * send headers or a body, and it does not expose HTTP statuses, comments or `retry:`.
 *
 * @example
 * ```ts
 * const conn = new Connection('/events', { transport: createNativeTransport() });
 * ```
 */
export function createNativeTransport(
  EventSourceImpl: typeof EventSource | undefined = globalThis.EventSource,
): Transport {
  return {
    name: 'native',
    selfReconnecting: true,
    connect({ url, credentials, signal }, sink) {
      if (!EventSourceImpl) {
        sink.error(new SSEError('network', 'EventSource is not available'));
        return;
      }
      const es = new EventSourceImpl(url, { withCredentials: credentials === 'include' });
      const onMessage = ({ type, data, lastEventId, origin }: MessageEvent<string>) =>
        sink.event({ type, data, lastEventId, origin });
      // Adding the same listener twice is a no-op, and a closed EventSource dispatches nothing, so
      // listeners need no bookkeeping.
      const listen = (type: string) => es.addEventListener(type, onMessage as EventListener);
      es.onopen = () => sink.open(es.url);
      es.onerror = () => {
        // readyState 2 (CLOSED): the browser gave up, which it does only when a response (the
        // first or a reconnect's) has a status other than 200 or the wrong Content-Type.
        if (es.readyState === 2) {
          sink.error(
            new SSEError('http', `${url} refused the stream (wrong status or Content-Type)`, {
              code: 'rejected',
            }),
          );
        } else {
          sink.reconnecting?.(
            new SSEError('network', 'The stream was lost; the browser is reconnecting'),
          );
        }
      };
      signal.addEventListener('abort', () => es.close(), { once: true });
      listen('message');
      return { listen };
    },
  };
}
