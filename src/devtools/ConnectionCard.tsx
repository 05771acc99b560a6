import { useState, type CSSProperties } from 'react';
import type { SSEMessage } from '../core/index.js';
import { displayData, rate, truncate } from './format.js';
import type { Sample } from './useSamples.js';

const COLORS: Record<string, string> = {
  open: '#22c55e',
  connecting: '#eab308',
  reconnecting: '#f97316',
  closed: '#94a3b8',
};
const row: CSSProperties = { display: 'flex', gap: 8, flexWrap: 'wrap', alignItems: 'center' };
const pre: CSSProperties = { margin: '2px 0 6px', whiteSpace: 'pre-wrap', wordBreak: 'break-all' };

/** A sparkline of the newest rates, scaled to their maximum. */
function Spark({ values, label }: { values: readonly number[]; label: string }) {
  const max = Math.max(1, ...values);
  const points = values.map((v, i) => `${i * 4},${20 - (v / max) * 18}`).join(' ');
  return (
    <svg width={120} height={20} role="img" aria-label={label}>
      <polyline points={points} fill="none" stroke="#60a5fa" strokeWidth={1.5} />
    </svg>
  );
}

/**
 * The last event of one type, its data shown only while opened: a closed row costs a summary
 * line per sample, however large or frequent the events.
 */
function LastEvent({ event }: { event: SSEMessage }) {
  const [open, setOpen] = useState(false);
  return (
    <details data-testid="sse-devtools-event" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        {truncate(event.type, 80)} {event.lastEventId && `#${truncate(event.lastEventId, 40)}`}
      </summary>
      {open && <pre style={pre}>{displayData(event.data)}</pre>}
    </details>
  );
}

/** One connection of the registry: state, rates, history, last events, and actions. */
export function ConnectionCard({ sample }: { sample: Sample }) {
  const { info, subscribers, eventRates, byteRates } = sample;
  const { snapshot: s } = info;
  const retryIn =
    s.nextRetryAt === null
      ? ''
      : ` in ${Math.max(0, (s.nextRetryAt - Date.now()) / 1000).toFixed(1)} s`;
  return (
    <section
      data-testid="sse-devtools-connection"
      data-url={info.url}
      style={{ borderTop: '1px solid #334155', padding: '8px 0' }}
    >
      <div style={row}>
        <span style={{ color: COLORS[s.status] }} data-testid="sse-devtools-status">
          ● {s.status}
          {s.attempt > 0 && ` (attempt ${s.attempt}${retryIn})`}
        </span>
        <strong>{info.method}</strong>
        <span style={{ wordBreak: 'break-all' }}>{truncate(info.url, 200)}</span>
      </div>
      <div style={row}>
        <span>{info.transport}</span>
        <span data-testid="sse-devtools-subscribers">{subscribers} subscribers</span>
        <span>Last-Event-ID: {truncate(s.lastEventId, 80) || '–'}</span>
      </div>
      <div style={row}>
        <span data-testid="sse-devtools-rate">{rate(eventRates.at(-1) ?? 0, ' ev')}</span>
        <Spark values={eventRates} label="events per second" />
        <span>{rate(byteRates.at(-1) ?? 0, 'B')}</span>
        <Spark values={byteRates} label="bytes per second" />
      </div>
      <div style={row}>
        <button type="button" onClick={sample.close} disabled={s.status === 'closed'}>
          Close
        </button>
        <button type="button" onClick={sample.open} disabled={s.status !== 'closed'}>
          Reopen
        </button>
        <button type="button" onClick={sample.reconnect}>
          Reconnect
        </button>
      </div>
      {info.history.length > 0 && (
        <ol data-testid="sse-devtools-history" style={{ margin: '6px 0', paddingLeft: 18 }}>
          {info.history.slice(-10).map(({ at, error }, i) => (
            <li key={i}>
              {new Date(at).toLocaleTimeString()} {error.type}
              {error.status !== undefined && ` ${error.status}`}
              {error.code && ` (${error.code})`}: {truncate(error.message, 300)}
              {error.willRetry ? ', retrying' : ', closed'}
            </li>
          ))}
        </ol>
      )}
      {info.lastEvents.map((event) => (
        <LastEvent key={event.type} event={event} />
      ))}
    </section>
  );
}
