import { useState, type CSSProperties } from 'react';
import type { ConnectionRegistry } from '../core/index.js';
import { useStreamContext } from '../react/streamContext.js';
import { ConnectionCard } from './ConnectionCard.js';
import { useSamples } from './useSamples.js';

/** Props of {@link SSEDevtools}. */
export interface SSEDevtoolsProps {
  /** Open at first (default false: a small button until clicked). */
  initialIsOpen?: boolean;
  /** The registry to show; by default the one of the nearest `<EventSourceProvider>`. */
  registry?: ConnectionRegistry;
  /** How often the panel samples, in ms (default 500). It never renders per event. */
  interval?: number;
}

const panel: CSSProperties = {
  position: 'fixed',
  right: 12,
  bottom: 12,
  zIndex: 2147483000,
  font: '12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace',
  color: '#e2e8f0',
  background: '#0f172a',
  border: '1px solid #334155',
  borderRadius: 8,
  boxShadow: '0 8px 24px rgba(0,0,0,.35)',
};

/**
 * A floating panel that lists every connection of the provider's registry: status, attempt and
 * next retry, subscribers, events/s and bytes/s, failures with their cause, the last event of
 * each type, and buttons to close, reopen or reconnect. Closed by default; it samples twice a
 * second while open and does nothing while closed.
 *
 * @example
 * ```tsx
 * import { SSEDevtools } from 'sse-hooks/devtools';
 * <EventSourceProvider>
 *   <App />
 *   {import.meta.env.DEV && <SSEDevtools />}
 * </EventSourceProvider>
 * ```
 */
export function SSEDevtools({ initialIsOpen = false, registry, interval = 500 }: SSEDevtoolsProps) {
  const [open, setOpen] = useState(initialIsOpen);
  const context = useStreamContext();
  const samples = useSamples(registry ?? context.registry, open, interval);
  if (!open) {
    return (
      <button
        type="button"
        style={{ ...panel, padding: '6px 10px', cursor: 'pointer' }}
        onClick={() => setOpen(true)}
        aria-label="Open SSE devtools"
      >
        SSE
      </button>
    );
  }
  return (
    <aside
      aria-label="SSE devtools"
      style={{
        ...panel,
        width: 'min(560px, 95vw)',
        maxHeight: '70vh',
        overflow: 'auto',
        padding: 10,
      }}
    >
      <div style={{ display: 'flex', justifyContent: 'space-between' }}>
        <strong>
          SSE devtools · {samples.length} connection{samples.length === 1 ? '' : 's'}
        </strong>
        <button type="button" onClick={() => setOpen(false)} aria-label="Close SSE devtools">
          ×
        </button>
      </div>
      {samples.map((sample) => (
        <ConnectionCard key={sample.key} sample={sample} />
      ))}
    </aside>
  );
}
