import { useEffect, useInsertionEffect, useReducer, useState } from 'react';
import type { StreamConnection } from '../core/connection.js';
import type { SSEMessage } from '../core/types.js';
import { connectionStore, type ConnectionStore } from './ConnectionStore.js';
import { isStreamDescriptor, type StreamDescriptor } from './defineStream.js';
import type { StreamFunctions, StreamRequest } from './StreamHub.js';
import { useStreamContext } from './streamContext.js';
import type { HookStreamOptions, ParseOption } from './types.js';

/** What a hook names: a url, a {@link StreamDescriptor}, or null for nothing. */
export type StreamTarget = string | StreamDescriptor<object> | null;

/** Options as the hooks merge them (provider defaults, then descriptor, then hook). */
export interface MergedOptions extends HookStreamOptions {
  parse?: ParseOption<unknown> | undefined;
}

/** Called for every event of the hook's type, with the hook's newest merged `parse`. */
export type OnMessage = (message: SSEMessage, parse: ParseOption | undefined) => void;

/** The stable `open`/`close` of one hook, acting on its current connection. */
export interface StreamControls {
  readonly open: () => void;
  readonly close: () => void;
}

export interface StreamBinding {
  /** The batched store of the hook's connection; null while it has none (or is disabled). */
  readonly store: ConnectionStore | null;
  /** `store.subscribe`, or a no-op without a store. */
  readonly subscribe: ConnectionStore['subscribe'];
  readonly enabled: boolean;
  readonly parse: ParseOption<unknown> | undefined;
  readonly controls: StreamControls;
}

/** One hook's memory: its controls, its lease's connection, and its newest committed render. */
interface Self extends StreamControls {
  /** The connection of the hook's lease, which `open` and `close` act on. */
  connection?: StreamConnection | null;
  request?: StreamRequest | null;
  /** The connection the committed render read. */
  shown?: StreamConnection | null;
  parse?: ParseOption | undefined;
  onMessage?: OnMessage | undefined;
}

const FUNCTION_OPTIONS = ['headers', 'fetch', 'retryOn'] as const;

const noSubscribe = () => () => {};

/**
 * Ties a hook to its shared connection: merges options, resolves the sharing key, and holds a
 * lease from a passive effect (so server rendering opens nothing, and StrictMode's
 * mount-unmount-mount reuses the lingering connection). With a `type`, `onMessage` (the newest
 * one) sees every event of that type from the same effect, so nothing emitted after the lease
 * is missed.
 */
export function useStream(
  target: StreamTarget,
  options: MergedOptions,
  type?: string,
  onMessage?: OnMessage,
): StreamBinding {
  const { hub } = useStreamContext();
  const descriptor = isStreamDescriptor(target) ? target : null;
  const url = descriptor ? descriptor.url : (target as string | null);
  const local = descriptor ? mergeOptions(descriptor.options, options) : options;
  const merged = mergeOptions(hub.defaults.current, local);
  const enabled = url !== null && merged.enabled !== false;
  const own: StreamFunctions = {};
  for (const name of FUNCTION_OPTIONS) {
    if (typeof local[name] === 'function') (own as Record<string, unknown>)[name] = local[name];
  }
  const request = enabled ? hub.request(url, merged, own) : null;
  const key = request?.key;
  // Held by some hook: readable at once (a later lease of this hook gets the same connection).
  const connection = (request?.refs && request.connection) || null;
  const parse = merged.parse;

  const [self] = useState(createSelf);
  const [, rerender] = useReducer((n: number) => n + 1, 0);

  useInsertionEffect(() => {
    Object.assign(self, { request, shown: connection, parse, onMessage });
    if (request) hub.commit(request, own);
  });

  useEffect(() => {
    if (!self.request) return;
    const lease = hub.acquire(self.request);
    const leased = (self.connection = lease.connection);
    if (leased !== self.shown) rerender();
    const off =
      type === undefined
        ? undefined
        : leased.addEventListener(type, (message) => self.onMessage?.(message, self.parse));
    return () => {
      off?.();
      self.connection = null;
      lease.release();
    };
  }, [hub, key, type, self]);

  const store = connection && connectionStore(connection, merged.throttle);
  return {
    store,
    subscribe: store ? store.subscribe : noSubscribe,
    enabled,
    parse,
    controls: self,
  };
}

function createSelf(): Self {
  const self: Self = {
    open: () => self.connection?.open(),
    close: () => self.connection?.close(),
  };
  return self;
}

/** `layer` wins over `base`; `headers` objects and `reconnect` objects merge key by key. */
function mergeOptions(
  base: MergedOptions | undefined,
  layer: MergedOptions | undefined,
): MergedOptions {
  const out: Record<string, unknown> = { ...base };
  for (const name in layer) {
    const value = layer[name as keyof MergedOptions];
    const prev = out[name];
    if (value !== undefined) {
      out[name] =
        (name === 'headers' || name === 'reconnect') &&
        prev &&
        value &&
        typeof prev === 'object' &&
        typeof value === 'object'
          ? { ...prev, ...value }
          : value;
    }
  }
  return out;
}
