import { useCallback, useLayoutEffect, useRef, useState } from 'react';

/** One line of a log. Everything in it is rendered as text. */
export interface LogEntry {
  /** Unique within one log; assigned by {@link useLogEntries}. */
  readonly key: number;
  /** Wall-clock time the entry was added, `HH:MM:SS`. */
  readonly time: string;
  /** An SSE event type (`message`, `alert`...) or a local kind (`info`, `success`, `warning`, `error`). */
  readonly type: string;
  readonly text: string;
  /** The SSE event id, when the entry is an event. */
  readonly id?: string;
}

export type NewLogEntry = Omit<LogEntry, 'key' | 'time'> & { time?: string };

const pad = (n: number) => String(n).padStart(2, '0');

export function clockTime(date = new Date()): string {
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/**
 * A capped list of log entries. `append` may be called many times in one task (one call per SSE
 * event of a burst): each call queues a functional update, so none is lost, and React renders
 * the batch once. Only the newest `cap` entries are kept, so a long session stays fast.
 */
export function useLogEntries(cap = 200, initial: readonly NewLogEntry[] = []) {
  const [entries, setEntries] = useState<readonly LogEntry[]>(() =>
    initial.map((entry, i) => ({ ...entry, time: entry.time ?? clockTime(), key: -1 - i })),
  );
  const nextKey = useRef(0);

  const append = useCallback(
    (entry: NewLogEntry) => {
      const full: LogEntry = { ...entry, time: entry.time ?? clockTime(), key: nextKey.current++ };
      setEntries((prev) => {
        const next = prev.length >= cap ? prev.slice(prev.length - cap + 1) : prev.slice();
        next.push(full);
        return next;
      });
    },
    [cap],
  );

  const clear = useCallback(() => setEntries([]), []);

  return { entries, append, clear };
}

/** Distance from the bottom (px) under which the log keeps following new entries. */
const STICK_THRESHOLD = 32;

export interface EventLogProps {
  entries: readonly LogEntry[];
  /** Accessible name of the log. */
  label: string;
  /** Shown while there is no entry. */
  emptyText?: string;
  className?: string;
}

/**
 * A scrolling log (`role="log"`) that follows the newest entry while the reader is at the bottom
 * and stays put when they scrolled up to read something older.
 */
export function EventLog({
  entries,
  label,
  emptyText = 'No events yet.',
  className,
}: EventLogProps) {
  const ref = useRef<HTMLDivElement>(null);
  const stick = useRef(true);

  const onScroll = () => {
    const el = ref.current;
    if (!el) return;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_THRESHOLD;
  };

  useLayoutEffect(() => {
    const el = ref.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [entries]);

  return (
    <div
      ref={ref}
      role="log"
      aria-label={label}
      aria-live="polite"
      className={className ? `event-log ${className}` : 'event-log'}
      onScroll={onScroll}
    >
      {entries.length === 0 ? (
        <p className="log-empty">{emptyText}</p>
      ) : (
        entries.map((entry) => (
          <div
            key={entry.key}
            className="log-entry"
            data-type={entry.type}
            data-event-id={entry.id}
          >
            <time className="log-time">[{entry.time}]</time>
            <span className="log-type">{entry.type}</span>
            <span className="log-text">{entry.text}</span>
            {entry.id !== undefined && <span className="log-id">#{entry.id}</span>}
          </div>
        ))
      )}
    </div>
  );
}
