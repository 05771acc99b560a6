import { memo, useEffect, useId, useRef, useState } from 'react';
import { useEventSource, useSSEEvent } from 'sse-hooks';
import { EventLog, clockTime, useLogEntries } from '../components/EventLog';
import { Sparkline } from '../components/Sparkline';
import { StatusLight } from '../components/StatusLight';

const RATES = [100, 1000, 5000] as const;
const SPARK_POINTS = 60;

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
    <section className="card widget" data-widget={type} aria-label={title}>
      <div className="card-header">
        <h2>{title}</h2>
        <span
          className="render-count"
          data-testid={`renders-${type}`}
          title="Renders of this widget"
        >
          {renders} renders
        </span>
      </div>
      <div className="card-body">{children}</div>
    </section>
  );
}

interface WidgetProps {
  url: string;
  meter: Meter;
}

type MetricType = Exclude<keyof DashboardEvents, 'alert'>;

/** A number, optionally with a sparkline of its last values: one event type of the shared stream. */
const MetricWidget = memo(function MetricWidget({
  url,
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
  const [series, setSeries] = useState<readonly number[]>([]);
  const last = useSSEEvent<Metric>(url, type, {
    parse: 'json',
    onEvent: (event) => {
      meter.count();
      if (spark) {
        const value = event.data.value;
        setSeries((prev) =>
          prev.length >= SPARK_POINTS ? [...prev.slice(1 - SPARK_POINTS), value] : [...prev, value],
        );
      }
    },
  });
  const data = last?.data;
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
const AlertWidget = memo(function AlertWidget({ url, meter }: WidgetProps) {
  const renders = useRenderCount();
  const { entries, append } = useLogEntries(50);
  const lastLevel = useRef<string | null>(null);
  const last = useSSEEvent<Alert>(url, 'alert', {
    parse: 'json',
    onEvent: (event) => {
      meter.count();
      const { level, message } = event.data;
      if (level !== lastLevel.current) {
        lastLevel.current = level;
        append({
          type: level === 'critical' ? 'alert' : level === 'warning' ? 'notification' : 'update',
          text: `${level}: ${message}`,
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
  url,
  meter,
  rate,
}: WidgetProps & { rate: number }) {
  const renders = useRenderCount();
  const { status, attempt } = useEventSource(url, {
    select: (s) => ({ status: s.status, attempt: s.attempt }),
  });
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

const percent = (v: number) => `${v.toFixed(1)}`;

/**
 * Live metrics: every widget listens to its own event type of ONE stream and re-renders only for
 * that type (each shows its render count).
 */
export function Dashboard() {
  const [rate, setRate] = useState<number>(100);
  const [meter] = useState(() => new Meter());
  const rateId = useId();
  const url = `/api/dashboard?rate=${rate}`;

  return (
    <div className="page dashboard">
      <h1 className="page-title">Live dashboard</h1>
      <div className="toolbar">
        <div className="field">
          <label htmlFor={rateId}>Events per second</label>
          <select id={rateId} value={rate} onChange={(e) => setRate(Number(e.target.value))}>
            {RATES.map((r) => (
              <option key={r} value={r}>
                {r.toLocaleString('en-US')}
              </option>
            ))}
          </select>
        </div>
        <span className="hint">
          One connection to <code>{url}</code>; each widget subscribes to its own event type.
        </span>
      </div>
      <div className="widgets">
        <ConnectionWidget url={url} meter={meter} rate={rate} />
        <MetricWidget url={url} meter={meter} type="counter" title="Counter" />
        <MetricWidget url={url} meter={meter} type="cpu" title="CPU" spark format={percent} />
        <MetricWidget url={url} meter={meter} type="memory" title="Memory" spark />
        <MetricWidget url={url} meter={meter} type="requests" title="Requests" spark />
        <MetricWidget url={url} meter={meter} type="latency" title="Latency" spark />
        <MetricWidget url={url} meter={meter} type="errors" title="Errors" />
        <MetricWidget url={url} meter={meter} type="users" title="Users online" />
        <AlertWidget url={url} meter={meter} />
      </div>
    </div>
  );
}
