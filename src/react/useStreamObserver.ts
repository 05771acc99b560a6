import { useEffect, useState, useSyncExternalStore } from 'react';
import {
  StreamObserver,
  type StreamObserverOptions,
  type StreamResult,
} from '../core/streamObserver.js';

/**
 * Holds one {@link StreamObserver} for the component's lifetime. A render reads the result its
 * options will give (nothing is taken or moved while rendering); the effect pushes the options,
 * and the subscription holds the share of the stream (effects only: server rendering opens
 * nothing).
 */
export function useStreamObserver(options: StreamObserverOptions): StreamResult {
  const [observer] = useState(() => new StreamObserver(options));
  useEffect(() => observer.setOptions(options));
  return useSyncExternalStore(
    observer.subscribe,
    () => observer.getOptimisticResult(options),
    observer.getServerSnapshot,
  );
}
