import { SSEError } from '../errors.js';
import type { Transport, TransportHandle } from './transport.js';

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
    connect(request, sink): TransportHandle {
      if (!EventSourceImpl) {
        sink.error(new SSEError('network', 'EventSource is not available in this environment'));
        return { listen() {} };
      }
      const es = new EventSourceImpl(request.url, {
        withCredentials: request.credentials === 'include',
      });
      const listening = new Set<string>();
      let wasOpen = false;
      const onMessage = (event: Event) => {
        const e = event as MessageEvent<string>;
        sink.event({ type: e.type, data: e.data, lastEventId: e.lastEventId, origin: e.origin });
      };
      const listen = (type: string) => {
        if (listening.has(type)) return;
        listening.add(type);
        es.addEventListener(type, onMessage);
      };
      es.onopen = () => {
        wasOpen = true;
        sink.open(es.url);
      };
      es.onerror = () => {
        if (es.readyState === EventSourceImpl.CLOSED) {
          close();
          sink.error(
            new SSEError(
              'http',
              wasOpen
                ? 'The browser closed the stream for good'
                : 'The server refused the stream (wrong status or Content-Type)',
              { code: 'rejected' },
            ),
          );
        } else {
          sink.reconnecting?.(
            new SSEError('network', 'The stream was lost; the browser is reconnecting'),
          );
        }
      };
      const close = () => {
        es.onopen = es.onerror = null;
        for (const type of listening) es.removeEventListener(type, onMessage);
        es.close();
      };
      request.signal.addEventListener('abort', close, { once: true });
      listen('message');
      return { listen };
    },
  };
}
