import { memo, useEffect, useId, useRef, useState } from 'react';
import { defineStream, useEventSource, useSSEEvent, type StreamDescriptor } from 'sse-hooks';
import { tabs } from 'sse-hooks/tabs';
import { EventLog, clockTime, useLogEntries } from '../components/EventLog';
import { Sparkline } from '../components/Sparkline';
import { StatusLight } from '../components/StatusLight';

const RATES = [100, 1000, 5000] as const;
const SPARK_POINTS = 60;
const LEVEL_LOG_INTERVAL_MS = 500;

/** A metric event's JSON payload, as the demo server sends it. */
interface Metric {
  value: number;
  unit?: string;
  t: number;
  seq: number;
}

interface Alert extends Metric {
  level: 'info' | 'warning' | 'critical';
  message: string;
}

/** The dashboard stream's event map: one event type per widget. */
interface DashboardEvents {
  counter: Metric;
  cpu: Metric;
  memory: Metric;
  requests: Metric;
  errors: Metric;
  latency: Metric;
  alert: Alert;
  users: Metric;
}

type DashboardStream = StreamDescriptor<DashboardEvents>;

/**
 * One typed stream per rate: `data` is decoded as JSON and typed by the event map. Shared by every
 * tab of the browser (`share: tabs`): eight open dashboards hold one connection.
 */
const STREAMS = new Map<number, DashboardStream>(
  RATES.map((rate) => [
    rate,
    defineStream<DashboardEvents>(`/api/dashboard?rate=${rate}`, { share: tabs }),
  ]),
);

/**
 * Counts events as widgets receive them, without rendering anything: the connection widget reads
 * it once a second to show events per second.
 */
class Meter {
  total = 0;
  count(): void {
    this.total += 1;
  }
}

/** The last `capacity` values pushed, oldest first. */
class Recent {
  private readonly items: number[] = [];
  constructor(private readonly capacity: number) {}
  push(value: number): void {
    this.items.push(value);
    if (this.items.length > this.capacity * 2)
      this.items.splice(0, this.items.length - this.capacity);
  }
  values(): readonly number[] {
    return this.items.slice(-this.capacity);
  }
}

/** How many times the calling component has rendered (committed or not). */
function useRenderCount(): number {
  const renders = useRef(0);
  renders.current += 1;
  return renders.current;
}

function WidgetCard({
  title,
  type,
  renders,
  children,
}: {
  title: string;
  type: string;
  renders: number;
  children: React.ReactNode;
}) {
  return (
    <section className={`card widget widget-${type}`} data-widget={type} aria-label={title}>
      <div className="card-header">
        <h2>{title}</h2>
        <span
          className="render-count"
          data-testid={`renders-${type}`}
          title="Times this widget rendered (React renders twice per update in development, under StrictMode)"
        >
          {renders} renders
        </span>
      </div>
      <div className="card-body">{children}</div>
    </section>
  );
}

interface WidgetProps {
  stream: DashboardStream;
  meter: Meter;
}

type MetricType = Exclude<keyof DashboardEvents, 'alert'>;

/** A number, optionally with a sparkline of its last values: one event type of the shared stream. */
const MetricWidget = memo(function MetricWidget({
  stream,
  meter,
  type,
  title,
  spark,
  format = (v) => v.toLocaleString('en-US'),
}: WidgetProps & {
  type: MetricType;
  title: string;
  spark?: boolean;
  format?: (value: number) => string;
}) {
  const renders = useRenderCount();
  const [recent] = useState(() => new Recent(SPARK_POINTS));
  // onEvent sees every value (a frame can bring dozens); it only records them. The hook's return
  // value changes at most once per frame, and that render draws what was recorded.
  const last = useSSEEvent(stream, type, {
    onEvent: (event) => {
      meter.count();
      if (spark) recent.push(event.data.value);
    },
  });
  const data = last?.data;
  const series = spark && last ? recent.values() : [];
  return (
    <WidgetCard title={title} type={type} renders={renders}>
      <p className="metric" data-testid={`value-${type}`}>
        {data ? format(data.value) : '–'}
        {data?.unit && <small>{data.unit}</small>}
      </p>
      {spark && (
        <Sparkline
          values={series}
          capacity={SPARK_POINTS}
          label={`${title}, last ${series.length} values`}
        />
      )}
    </WidgetCard>
  );
});

/** The latest alert, and a short log of level changes. */
const AlertWidget = memo(function AlertWidget({ stream, meter }: WidgetProps) {
  const renders = useRenderCount();
  const { entries, append } = useLogEntries(50);
  const logged = useRef({ level: '', at: 0 });
  const last = useSSEEvent(stream, 'alert', {
    onEvent: (event) => {
      meter.count();
      const { level, message } = event.data;
      // Level changes, at most two a second: at thousands of events a second the level can flip
      // many times per frame, and a log line per flip would be noise.
      const now = performance.now();
      if (level !== logged.current.level && now - logged.current.at >= LEVEL_LOG_INTERVAL_MS) {
        logged.current = { level, at: now };
        append({
          type: level,
          text: message,
          id: event.lastEventId || undefined,
        });
      }
    },
  });
  const alert = last?.data;
  return (
    <WidgetCard title="Latest alert" type="alert" renders={renders}>
      {alert ? (
        <>
          <p>
            <span className="alert-level" data-level={alert.level} data-testid="value-alert">
              {alert.level}
            </span>{' '}
            {alert.message}
          </p>
          <p className="hint">at {clockTime(new Date(alert.t))}</p>
        </>
      ) : (
        <p className="hint">No alert yet.</p>
      )}
      <EventLog
        entries={entries}
        label="Alert level changes"
        emptyText="No level change yet."
        className="event-log-small"
      />
    </WidgetCard>
  );
});

interface Stats {
  connections: { dashboard: number; total: number };
}

/** The connection itself: status, open connections on the server, events per second. */
const ConnectionWidget = memo(function ConnectionWidget({
  stream,
  meter,
  rate,
}: WidgetProps & { rate: number }) {
  const renders = useRenderCount();
  // Reads only status and attempt, so messages do not re-render this widget.
  const { status, attempt, shared } = useEventSource(stream);
  const [perSecond, setPerSecond] = useState(0);
  const [total, setTotal] = useState(0);
  const [connections, setConnections] = useState<number | null>(null);

  useEffect(() => {
    let previous = { total: meter.total, at: performance.now() };
    const timer = setInterval(() => {
      const now = { total: meter.total, at: performance.now() };
      setPerSecond(Math.round(((now.total - previous.total) * 1000) / (now.at - previous.at)));
      setTotal(now.total);
      previous = now;
    }, 1000);
    return () => clearInterval(timer);
  }, [meter]);

  useEffect(() => {
    let cancelled = false;
    const load = async () => {
      try {
        const response = await fetch('/api/stats');
        const stats = (await response.json()) as Stats;
        if (!cancelled) setConnections(stats.connections.dashboard);
      } catch {
        if (!cancelled) setConnections(null);
      }
    };
    void load();
    const timer = setInterval(load, 1000);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, []);

  return (
    <WidgetCard title="Connection" type="connection" renders={renders}>
      <StatusLight status={status} attempt={attempt} />
      <dl className="kv">
        <dt>Shared with other tabs</dt>
        <dd data-testid="shared">{shared ? 'yes' : 'no'}</dd>
        <dt>Connections open</dt>
        <dd data-testid="connections-open">{connections ?? '–'}</dd>
        <dt>Events per second</dt>
        <dd data-testid="events-per-second">{perSecond.toLocaleString('en-US')}</dd>
        <dt>Events received</dt>
        <dd data-testid="events-total">{total.toLocaleString('en-US')}</dd>
        <dt>Requested rate</dt>
        <dd>{rate.toLocaleString('en-US')}/s</dd>
      </dl>
    </WidgetCard>
  );
});

/** `?rate=` in the page's address picks the starting rate, so a given rate can be linked to. */
function initialRate(): number {
  const asked = Number(new URLSearchParams(window.location.search).get('rate'));
  return RATES.find((r) => r === asked) ?? RATES[0];
}

function changeRate(setRate: (rate: number) => void, rate: number) {
  const url = new URL(window.location.href);
  url.searchParams.set('rate', String(rate));
  window.history.replaceState(null, '', url);
  setRate(rate);
}

const percent = (v: number) => `${v.toFixed(1)}`;

/**
 * Live metrics: every widget listens to its own event type of ONE stream and re-renders only for
 * that type (each shows its render count).
 */
export function Dashboard() {
  const [rate, setRate] = useState(initialRate);
  const [meter] = useState(() => new Meter());
  const rateId = useId();
  const stream = STREAMS.get(rate) as DashboardStream;

  return (
    <div className="page dashboard">
      <h1 className="page-title">Live dashboard</h1>
      <div className="toolbar">
        <div className="field">
          <label htmlFor={rateId}>Events per second</label>
          <select
            id={rateId}
            value={rate}
            onChange={(e) => changeRate(setRate, Number(e.target.value))}
          >
            {RATES.map((r) => (
              <option key={r} value={r}>
                {r.toLocaleString('en-US')}
              </option>
            ))}
          </select>
        </div>
        <span className="hint">
          One connection to <code>{stream.url}</code>; each widget subscribes to its own event type.
        </span>
      </div>
      <div className="widgets">
        <ConnectionWidget stream={stream} meter={meter} rate={rate} />
        <MetricWidget stream={stream} meter={meter} type="counter" title="Counter" />
        <MetricWidget stream={stream} meter={meter} type="cpu" title="CPU" spark format={percent} />
        <MetricWidget stream={stream} meter={meter} type="memory" title="Memory" spark />
        <MetricWidget stream={stream} meter={meter} type="requests" title="Requests" spark />
        <MetricWidget stream={stream} meter={meter} type="latency" title="Latency" spark />
        <MetricWidget stream={stream} meter={meter} type="errors" title="Errors" />
        <MetricWidget stream={stream} meter={meter} type="users" title="Users online" />
        <AlertWidget stream={stream} meter={meter} />
      </div>
    </div>
  );
}
