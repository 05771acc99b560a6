import { createContext, useContext } from 'react';
import { ConnectionRegistry } from '../core/registry.js';
import { createStreamHub, type StreamHub } from './StreamHub.js';

/** What `<EventSourceProvider>` gives the hooks below it. */
export interface StreamContextValue {
  readonly hub: StreamHub;
  /** Changes whenever the provider's defaults change in a way that matters for sharing. */
  readonly signature: string;
}

export const StreamContext = createContext<StreamContextValue | null>(null);

let fallback: StreamContextValue | undefined;

/**
 * The provider's hub, or for hooks outside any provider the default one, created on first use.
 * Creating it opens nothing.
 */
export function useStreamContext(): StreamContextValue {
  return (
    useContext(StreamContext) ??
    (fallback ??= {
      hub: createStreamHub(new ConnectionRegistry(), { current: {} }, 1000),
      signature: '',
    })
  );
}
