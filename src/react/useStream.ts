import { useEffect, useInsertionEffect, useState } from 'react';
import type { Connection } from '../core/connection.js';
import type { ConnectionStore } from './ConnectionStore.js';
import { isStreamDescriptor, type StreamDescriptor } from './defineStream.js';
import type { StreamFunctions, StreamHub } from './StreamHub.js';
import { useStreamContext } from './streamContext.js';
import type { HookStreamOptions, ParseOption } from './types.js';
import { useLatest } from './useLatest.js';

/** What a hook names: a url, a {@link StreamDescriptor}, or null for nothing. */
export type StreamTarget = string | StreamDescriptor<object> | null;

/** Options as the hooks merge them (provider defaults, then descriptor, then hook). */
export interface MergedOptions extends HookStreamOptions {
  parse?: ParseOption<unknown> | undefined;
}

/** The stable `open`/`close` of one hook, acting on its current connection. */
export interface StreamControls {
  connection: Connection | null;
  readonly open: () => void;
  readonly close: () => void;
}

export interface StreamBinding {
  /** The batched store of the hook's connection; null while it has none (or is disabled). */
  readonly store: ConnectionStore | null;
  readonly enabled: boolean;
  readonly parse: ParseOption<unknown> | undefined;
  readonly controls: StreamControls;
}

/**
 * Ties a hook to its shared connection: merges options, resolves the sharing key, and holds a
 * lease from a passive effect (so server rendering opens nothing, and StrictMode's
 * mount-unmount-mount reuses the lingering connection). `attach` runs on each acquired
 * connection, in the same effect, so nothing the connection emits after the lease is missed.
 */
export function useStream(
  target: StreamTarget,
  options: MergedOptions,
  attach?: (connection: Connection) => () => void,
  attachKey = '',
): StreamBinding {
  const { hub } = useStreamContext();
  const descriptor = isStreamDescriptor(target) ? target : undefined;
  const url = typeof target === 'string' ? target : (descriptor?.url ?? null);
  const local = mergeOptions(descriptor?.options, options);
  const merged = mergeOptions(hub.defaults.current, local);
  const enabled = url !== null && merged.enabled !== false;
  const own: StreamFunctions = {
    headers: typeof local.headers === 'function' ? local.headers : undefined,
    fetch: local.fetch,
    retryOn: local.retryOn,
  };
  const request = url !== null && enabled ? hub.request(url, merged, own) : null;
  const key = request?.key ?? null;

  const [leased, setLeased] = useState<Leased | null>(null);
  const [controls] = useState(createControls);
  const requestRef = useLatest(request);
  const attachRef = useLatest(attach);

  useInsertionEffect(() => {
    if (key !== null) hub.update(key, own);
  });

  useEffect(() => {
    const req = requestRef.current;
    if (!req) return;
    const lease = hub.acquire(req);
    const connection = lease.connection;
    controls.connection = connection;
    setLeased((prev) =>
      prev?.hub === hub && prev.key === req.key && prev.connection === connection
        ? prev
        : { hub, key: req.key, connection },
    );
    const detach = attachRef.current?.(connection);
    return () => {
      detach?.();
      if (controls.connection === connection) controls.connection = null;
      lease.release();
    };
  }, [hub, key, attachKey, controls, requestRef, attachRef]);

  const connection =
    request === null
      ? null
      : leased?.hub === hub && leased.key === request.key
        ? leased.connection
        : hub.peek(request);
  return {
    store: connection ? hub.store(connection, merged.throttle) : null,
    enabled,
    parse: merged.parse,
    controls,
  };
}

interface Leased {
  readonly hub: StreamHub;
  readonly key: string;
  readonly connection: Connection;
}

function createControls(): StreamControls {
  const controls: StreamControls = {
    connection: null,
    open: () => controls.connection?.open(),
    close: () => controls.connection?.close(),
  };
  return controls;
}

/** `layer` wins over `base`; `headers` objects and `reconnect` objects merge key by key. */
function mergeOptions(
  base: MergedOptions | undefined,
  layer: MergedOptions | undefined,
): MergedOptions {
  const out: Record<string, unknown> = { ...base };
  for (const name in layer) {
    const value = layer[name as keyof MergedOptions];
    if (value === undefined) continue;
    const prev = out[name];
    out[name] =
      (name === 'headers' || name === 'reconnect') && isRecord(prev) && isRecord(value)
        ? { ...prev, ...value }
        : value;
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
