import type { StreamConnection } from '../core/connection.js';
import type { ConnectionSnapshot, SSEMessage } from '../core/types.js';

/**
 * The React side of one connection: a batched view of its state. Changes are flushed once per
 * animation frame (or per `throttle` ms; `0` flushes every change), and every listener is told in
 * that one task, so React renders the whole flush once. Hooks compare what they read, so a hook
 * whose value did not change in a flush does not render.
 *
 * While nobody listens it holds no subscription and reads the connection directly.
 */
export interface ConnectionStore {
  /** The batched connection snapshot. */
  getSnapshot(): ConnectionSnapshot;
  /** The batched last event of `type`. */
  getLastEvent(type: string): SSEMessage | undefined;
  subscribe(listener: () => void): () => void;
}

const stores = new WeakMap<StreamConnection, Record<string, ConnectionStore>>();

/** The store of `connection` for `throttle`, shared by every hook on that connection. */
export function connectionStore(
  connection: StreamConnection,
  throttle: number | undefined,
): ConnectionStore {
  let byThrottle = stores.get(connection);
  if (!byThrottle) stores.set(connection, (byThrottle = {}));
  return (byThrottle[`${throttle}`] ??= createStore(connection, throttle));
}

function createStore(connection: StreamConnection, throttle: number | undefined): ConnectionStore {
  const listeners = new Set<() => void>();
  // The batched last event of each type read while subscribed.
  const lastEvents = new Map<string, SSEMessage | undefined>();
  let snapshot: ConnectionSnapshot;
  let unsubscribe: (() => void) | undefined;
  let scheduled = false;

  const flush = (): void => {
    scheduled = false;
    snapshot = connection.getSnapshot();
    for (const type of lastEvents.keys()) lastEvents.set(type, connection.getLastEvent(type));
    for (const listener of listeners) listener();
  };

  const onChange = (): void => {
    if (throttle === 0) flush();
    else if (!scheduled) {
      scheduled = true;
      if (throttle === undefined && typeof requestAnimationFrame === 'function') {
        requestAnimationFrame(flush);
      } else setTimeout(flush, throttle ?? 16);
    }
  };

  return {
    getSnapshot: () => (unsubscribe ? snapshot : connection.getSnapshot()),
    getLastEvent(type) {
      if (!unsubscribe) return connection.getLastEvent(type);
      if (!lastEvents.has(type)) lastEvents.set(type, connection.getLastEvent(type));
      return lastEvents.get(type);
    },
    subscribe(listener) {
      if (!unsubscribe) {
        // Start from the live state: whoever subscribes compares against it right away.
        snapshot = connection.getSnapshot();
        lastEvents.clear();
        unsubscribe = connection.subscribe(onChange);
      }
      listeners.add(listener);
      return () => {
        if (listeners.delete(listener) && !listeners.size) {
          unsubscribe?.();
          // A flush still scheduled finds no listener and only refreshes the snapshot.
          unsubscribe = undefined;
        }
      };
    },
  };
}
