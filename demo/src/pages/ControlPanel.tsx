import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useEventSource, useSSEEvent } from 'sse-hooks';
import { EventLog, useLogEntries, type NewLogEntry } from '../components/EventLog';
import { StatusLight } from '../components/StatusLight';

const STREAM_URL = '/api/events';
const SEND_URL = '/api/send';
const LOG_CAP = 200;

const EVENT_TYPES = [
  { value: 'message', label: 'Message' },
  { value: 'notification', label: 'Notification' },
  { value: 'alert', label: 'Alert' },
  { value: 'update', label: 'Data update' },
] as const;
type PanelEventType = (typeof EVENT_TYPES)[number]['value'];

/** A control-panel event's JSON payload, as the demo server sends it. */
interface PanelPayload {
  message?: unknown;
  time?: unknown;
  priority?: unknown;
  level?: unknown;
  id?: unknown;
  source?: unknown;
}

interface Notice {
  kind: 'warning' | 'error' | 'info';
  text: string;
}

const WELCOME: readonly NewLogEntry[] = [
  { type: 'info', text: 'Page loaded. Press "Connect" to start receiving events.' },
];

const article = (word: string) => (/^[aeiou]/i.test(word) ? 'an' : 'a');

const asText = (value: unknown): string =>
  typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);

/** The entry's text: the payload's message and the field the document shows next to it. */
function describe(type: string, data: PanelPayload): string {
  const message = asText(data.message);
  const from = data.source === 'user' ? ' [sent from a panel]' : '';
  switch (type) {
    case 'notification':
      return `${message} (priority: ${asText(data.priority)})${from}`;
    case 'alert':
      return `${message} (level: ${asText(data.level)})${from}`;
    case 'update':
      return `${message} (ID: ${asText(data.id)})${from}`;
    default:
      return `${message}${from}`;
  }
}

/**
 * The control panel of the ThinkPHP SSE example, on the library's public hooks: connect and
 * disconnect, the connection status, and a log of every event the server pushes. "Send event"
 * asks the server to broadcast an event to every connected panel.
 */
export function ControlPanel() {
  const [connected, setConnected] = useState(false);
  const [eventType, setEventType] = useState<PanelEventType>('message');
  const [message, setMessage] = useState('');
  const [notice, setNotice] = useState<Notice | null>(null);
  const [lastSentId, setLastSentId] = useState<string | null>(null);
  const [replayNotice, setReplayNotice] = useState<string | null>(null);
  const { entries, append, clear } = useLogEntries(LOG_CAP, WELCOME);
  const typeId = useId();
  const messageId = useId();

  const stream = useEventSource(STREAM_URL, { enabled: connected });
  const { status, attempt, lastEventId, error, open } = stream;
  // After a permanent failure (say a 4xx) the stream stays closed until asked again.
  const canConnect = !connected || status === 'closed';

  // One callback per event, so a burst delivered in one render batch still logs every event.
  const logEvent = useCallback(
    (event: { type: string; data: PanelPayload; lastEventId: string }) => {
      const entry: NewLogEntry = {
        type: event.type,
        text: describe(event.type, event.data ?? {}),
        id: event.lastEventId,
      };
      append(typeof event.data?.time === 'string' ? { ...entry, time: event.data.time } : entry);
    },
    [append],
  );
  const eventOptions = { parse: 'json', enabled: connected, onEvent: logEvent } as const;
  useSSEEvent<PanelPayload>(STREAM_URL, 'message', eventOptions);
  useSSEEvent<PanelPayload>(STREAM_URL, 'notification', eventOptions);
  useSSEEvent<PanelPayload>(STREAM_URL, 'alert', eventOptions);
  useSSEEvent<PanelPayload>(STREAM_URL, 'update', eventOptions);
  useSSEEvent<Record<string, unknown>>(STREAM_URL, 'replay-unavailable', {
    parse: 'json',
    enabled: connected,
    onEvent: (event) => {
      const text =
        typeof event.data?.message === 'string'
          ? event.data.message
          : 'The server could not replay the events missed while disconnected.';
      setReplayNotice(text);
      append({ type: 'warning', text: `Replay unavailable: ${text}` });
    },
  });

  // Connection changes go to the log too, as in the document.
  const previous = useRef(status);
  useEffect(() => {
    const before = previous.current;
    previous.current = status;
    if (before === status) return;
    if (status === 'open') {
      const resumed =
        before === 'reconnecting' && lastEventId ? ` (resuming after id ${lastEventId})` : '';
      append({
        type: 'success',
        text: `${before === 'reconnecting' ? 'Reconnected' : 'Connected'} to ${STREAM_URL}${resumed}`,
      });
    } else if (status === 'reconnecting') {
      append({ type: 'error', text: `Connection lost. Reconnecting (attempt ${attempt})…` });
    } else if (status === 'closed' && error) {
      append({ type: 'error', text: `Connection closed: ${error.message}` });
    }
  }, [status, attempt, error, lastEventId, append]);

  const connect = () => {
    setNotice(null);
    if (connected) open();
    else setConnected(true);
  };

  const disconnect = () => {
    setConnected(false);
    append({ type: 'info', text: 'Disconnected.' });
  };

  const send = async (event: FormEvent) => {
    event.preventDefault();
    if (!connected || status !== 'open') {
      const text = connected
        ? `Not connected (${status}): wait until the status says "connected" and send again.`
        : 'Not connected: press "Connect" before sending an event.';
      setNotice({ kind: 'warning', text });
      append({ type: 'warning', text });
      return;
    }
    setNotice(null);
    append({
      type: 'info',
      text: `Requesting ${article(eventType)} ${eventType} event: ${message || '(default text)'}`,
    });
    try {
      const response = await fetch(SEND_URL, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ type: eventType, message }),
      });
      const body = (await response.json().catch(() => null)) as {
        id?: unknown;
        error?: unknown;
      } | null;
      if (!response.ok) {
        const text = `Send refused (${response.status}): ${asText(body?.error) || response.statusText}`;
        setNotice({ kind: 'error', text });
        append({ type: 'error', text });
        return;
      }
      setLastSentId(asText(body?.id));
    } catch (cause) {
      const text = `Send failed: ${cause instanceof Error ? cause.message : String(cause)}`;
      setNotice({ kind: 'error', text });
      append({ type: 'error', text });
    }
  };

  return (
    <div className="page control-panel">
      <h1 className="page-title">Server-Sent Events control panel</h1>

      <section className="card" aria-labelledby="connection-heading">
        <div className="card-header">
          <h2 id="connection-heading">Connection</h2>
        </div>
        <div className="card-body">
          <div className="status-row">
            <StatusLight status={connected ? status : 'closed'} attempt={attempt} />
            <div className="button-row">
              <button
                type="button"
                className="btn btn-success"
                onClick={connect}
                disabled={!canConnect}
              >
                Connect
              </button>
              <button
                type="button"
                className="btn btn-danger"
                onClick={disconnect}
                disabled={!connected}
              >
                Disconnect
              </button>
            </div>
          </div>
          <dl className="facts">
            <div>
              <dt>Last event id</dt>
              <dd data-testid="last-event-id">{lastEventId || '–'}</dd>
            </div>
            <div>
              <dt>Last sent id</dt>
              <dd data-testid="last-sent-id">{lastSentId ?? '–'}</dd>
            </div>
            <div>
              <dt>Stream</dt>
              <dd>
                <code>{STREAM_URL}</code>
              </dd>
            </div>
          </dl>

          {replayNotice !== null && (
            <div className="notice notice-warning" role="status">
              <span>{replayNotice}</span>
              <button type="button" className="btn-link" onClick={() => setReplayNotice(null)}>
                Dismiss
              </button>
            </div>
          )}

          <form className="send-form" onSubmit={send}>
            <div className="field">
              <label htmlFor={typeId}>Event type</label>
              <select
                id={typeId}
                value={eventType}
                onChange={(e) => setEventType(e.target.value as PanelEventType)}
              >
                {EVENT_TYPES.map((t) => (
                  <option key={t.value} value={t.value}>
                    {t.value}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={messageId}>Custom message</label>
              <input
                id={messageId}
                type="text"
                value={message}
                maxLength={1000}
                placeholder={`Optional: empty sends a default ${eventType} text`}
                onChange={(e) => setMessage(e.target.value)}
              />
            </div>
            <div className="send-actions">
              <button type="submit" className="btn btn-primary">
                Send event
              </button>
              {notice !== null && (
                <p className={`notice notice-${notice.kind}`} role="alert">
                  {notice.text}
                </p>
              )}
            </div>
          </form>
        </div>
      </section>

      <section className="card" aria-labelledby="log-heading">
        <div className="card-header card-header-row">
          <h2 id="log-heading">Event log</h2>
          <button type="button" className="btn-link btn-link-light" onClick={clear}>
            Clear
          </button>
        </div>
        <div className="card-body">
          <EventLog entries={entries} label="Event log" />
          <p className="hint">
            Keeps the newest {LOG_CAP} entries. Scroll up to pause following new ones.
          </p>
        </div>
      </section>

      <section className="card" aria-labelledby="about-heading">
        <div className="card-header">
          <h2 id="about-heading">About</h2>
        </div>
        <div className="card-body about">
          <p>
            The server pushes an event every second: <code>notification</code> every 10th,{' '}
            <code>alert</code> every 7th, <code>update</code> every 5th, <code>message</code>{' '}
            otherwise. &ldquo;Send event&rdquo; posts to <code>{SEND_URL}</code> and the server
            broadcasts it to every open panel: open this page in two tabs to see it.
          </p>
          <p>
            Every event has an id. After a dropped connection the client reconnects with the{' '}
            <code>Last-Event-ID</code> header and the server replays what was missed, so the log has
            no gap and no duplicate.
          </p>
        </div>
      </section>
    </div>
  );
}
