import { useEffect, useLayoutEffect, useState, useSyncExternalStore } from 'react';
import {
  StreamObserver,
  type StreamObserverOptions,
  type StreamResult,
} from '../core/streamObserver.js';

// Layout effects do nothing on the server (and React 18 warns there); effects are enough there.
const useIsomorphicLayoutEffect = typeof document !== 'undefined' ? useLayoutEffect : useEffect;

/**
 * Holds one {@link StreamObserver} for the component's lifetime: it takes a share of the stream
 * while subscribed (from a passive effect, so server rendering opens nothing), and gets each
 * committed render's options before paint.
 */
export function useStreamObserver(options: StreamObserverOptions): StreamResult {
  const [observer] = useState(() => new StreamObserver(options));
  useIsomorphicLayoutEffect(() => observer.setOptions(options));
  return useSyncExternalStore(observer.subscribe, observer.getSnapshot, observer.getServerSnapshot);
}
