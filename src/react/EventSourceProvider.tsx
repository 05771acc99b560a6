import { useMemo, useState, type ReactNode } from 'react';
import { ConnectionRegistry } from '../core/registry.js';
import { StreamContext, type StreamContextValue } from './streamContext.js';
import type { EventSourceDefaults } from './types.js';

/** Props of {@link EventSourceProvider}. */
export interface EventSourceProviderProps {
  children?: ReactNode;
  /**
   * The registry that holds the connections. By default the provider creates its own, so two
   * providers never share connections; pass one to share it with non-React code.
   */
  registry?: ConnectionRegistry;
  /**
   * How long a connection stays open after its last hook unmounts, in ms (default 1000). Read
   * when the provider creates its own registry (a given registry has its own linger).
   */
  linger?: number;
  /**
   * Defaults for every hook below: headers, fetch, credentials, reconnect policy, parse, throttle.
   * A hook's own options win; `headers` objects and `reconnect` objects are merged key by key.
   * Inline objects and functions are fine: they never reconnect by themselves.
   */
  options?: EventSourceDefaults;
}

type Fn = (...args: unknown[]) => unknown;

/**
 * Holds a connection registry and default options for the hooks below it. Every hook under one
 * provider with the same url and equal options shares one connection, closed `linger` ms after
 * its last user unmounts (so StrictMode remounts and route changes reuse it). Optional: hooks
 * outside any provider use a default registry.
 *
 * @example
 * ```tsx
 * <EventSourceProvider
 *   options={{ headers: () => ({ Authorization: `Bearer ${getToken()}` }), parse: 'json' }}
 * >
 *   <Dashboard />
 * </EventSourceProvider>
 * ```
 */
export function EventSourceProvider({
  children,
  registry,
  linger = 1000,
  options = {},
}: EventSourceProviderProps): ReactNode {
  const [own] = useState<{ latest: EventSourceDefaults; registry?: ConnectionRegistry }>(() => ({
    latest: options,
  }));
  // The newest defaults, read when called: a new inline function takes effect without
  // re-rendering or reconnecting anything.
  own.latest = options;
  // The defaults as text (functions only by presence): hooks re-render when it changes.
  const signature = JSON.stringify(options, (_key, value: unknown) =>
    typeof value === 'function' ? 1 : value,
  );
  const value = useMemo<StreamContextValue>(() => {
    const defaults: Record<string, unknown> = { ...own.latest };
    for (const [name, fn] of Object.entries(own.latest)) {
      if (typeof fn === 'function') {
        defaults[name] = (...args: unknown[]) => (own.latest[name as 'fetch'] as Fn)(...args);
      }
    }
    return {
      registry: registry ?? (own.registry ??= new ConnectionRegistry({ linger })),
      options: defaults,
      signature,
    };
  }, [registry, own, linger, signature]);
  return <StreamContext.Provider value={value}>{children}</StreamContext.Provider>;
}
