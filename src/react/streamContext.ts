import { createContext, useContext } from 'react';
import { mergeOptions } from '../core/options.js';
import { ConnectionRegistry } from '../core/registry.js';
import type { StreamObserverOptions } from '../core/streamObserver.js';
import { isStreamDescriptor, type StreamDescriptor } from './defineStream.js';
import type { EventSourceDefaults, HookStreamOptions, ParseOption } from './types.js';

/** What `<EventSourceProvider>` gives the hooks below it. */
export interface StreamContextValue {
  readonly registry: ConnectionRegistry;
  /** The provider's defaults; a new object only when they change in a way that matters. */
  readonly options: EventSourceDefaults;
  /** The defaults as text (functions by presence): changes whenever they change. */
  readonly signature: string;
}

export const StreamContext = createContext<StreamContextValue | null>(null);

let fallback: StreamContextValue | undefined;

/**
 * The provider's registry and defaults, or for hooks outside any provider a default registry,
 * created on first use. Creating it opens nothing.
 */
export function useStreamContext(): StreamContextValue {
  return (
    useContext(StreamContext) ??
    (fallback ??= { registry: new ConnectionRegistry(), options: {}, signature: '' })
  );
}

/** What a hook names: a url, a {@link StreamDescriptor}, or null for nothing. */
export type StreamTarget = string | StreamDescriptor<object> | null;

/** A hook's options over its descriptor's over the provider's, for its observer. */
export function useObserverOptions(
  target: StreamTarget,
  options: HookStreamOptions & { parse?: ParseOption | undefined },
): StreamObserverOptions {
  const { registry, options: defaults } = useStreamContext();
  const descriptor = isStreamDescriptor(target) ? target : null;
  return {
    ...mergeOptions(mergeOptions(defaults, descriptor?.options ?? {}), options),
    registry,
    url: descriptor ? descriptor.url : (target as string | null),
  };
}
