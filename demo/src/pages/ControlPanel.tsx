import { useCallback, useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { useEventSource, useSSEEvent, type SSEMessage } from 'sse-hooks';
import { EventLog, useLogEntries, type NewLogEntry } from '../components/EventLog';
import { FrameRecorder, RawFrames } from '../components/RawFrames';
import { StatusLight } from '../components/StatusLight';
import { Target, readTarget, shareLink, toOptions, type StreamTarget } from './inspectorTarget';

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

/** At most this much of an event's data goes in the log. */
const cut = (text: string) =>
  text.length > 500 ? `${text.slice(0, 500)}… (${text.length} chars)` : text;

/** The data as the demo's JSON payload, when it is a JSON object. */
function payloadOf(data: string): PanelPayload | null {
  if (!data.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(data);
    return value && typeof value === 'object' ? (value as PanelPayload) : null;
  } catch {
    return null;
  }
}

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
  // What the form says, and what the stream uses: the form applies on Connect.
  const [form, setForm] = useState<StreamTarget>(readTarget);
  const [target, setTarget] = useState<StreamTarget>(form);
  const [recorder] = useState(() => new FrameRecorder());
  const options = useMemo(() => toOptions(target, recorder.fetch), [target, recorder]);
  const own = target.url === STREAM_URL;
  const retargeted = JSON.stringify(form) !== JSON.stringify(target);

  const stream = useEventSource(target.url, { ...options, enabled: connected });
  const { status, attempt, lastEventId, error, open } = stream;
  // After a permanent failure (say a 4xx) the stream stays closed until asked again; a changed
  // form connects to the new stream.
  const canConnect = !connected || status === 'closed' || retargeted;

  // One callback per event, so a burst delivered in one render batch still logs every event.
  const logEvent = useCallback(
    (event: SSEMessage) => {
      if (event.type === 'replay-unavailable') {
        const text =
          asText(payloadOf(event.data)?.message) ||
          'The server could not replay the events missed while disconnected.';
        setReplayNotice(text);
        return append({ type: 'warning', text: `Replay unavailable: ${text}` });
      }
      const payload = payloadOf(event.data);
      // The demo's events are JSON with a message; any other server's data is shown as it came.
      const text =
        payload && 'message' in payload ? describe(event.type, payload) : cut(event.data);
      const entry: NewLogEntry = { type: event.type, text, id: event.lastEventId };
      append(typeof payload?.time === 'string' ? { ...entry, time: payload.time } : entry);
    },
    [append],
  );
  useSSEEvent(target.url, '*', { ...options, enabled: connected, onEvent: logEvent });

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
        text: `${before === 'reconnecting' ? 'Reconnected' : 'Connected'} to ${target.url}${resumed}`,
      });
    } else if (status === 'reconnecting') {
      // The error's type says why (network, http with its status...), as a server developer needs.
      const why = error
        ? ` (${error.type}${error.status ? ` ${error.status}` : ''}: ${error.message})`
        : '';
      append({ type: 'error', text: `Connection lost${why}. Reconnecting (attempt ${attempt})…` });
    } else if (status === 'closed' && error) {
      append({ type: 'error', text: `Connection closed: ${error.message}` });
    }
  }, [status, attempt, error, lastEventId, append, target.url]);

  const connect = () => {
    setNotice(null);
    if (retargeted) {
      setTarget(form);
      history.replaceState(null, '', shareLink(form));
    }
    if (connected && !retargeted) open();
    else setConnected(true);
  };

  const disconnect = () => {
    setConnected(false);
    append({ type: 'info', text: 'Disconnected.' });
  };

  const send = async (event: FormEvent) => {
    event.preventDefault();
    if (!own) {
      const text = `"Send event" posts to this demo's own server; ${target.url} is another stream.`;
      setNotice({ kind: 'warning', text });
      return;
    }
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
                <code data-testid="stream-url">
                  {target.method} {target.url}
                </code>
              </dd>
            </div>
          </dl>
          <Target value={form} onChange={setForm} onSubmit={connect} />

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
          <div className="inspector-columns">
            <EventLog entries={entries} label="Event log" />
            <RawFrames recorder={recorder} />
          </div>
          <p className="hint">
            Parsed events on the left (the newest {LOG_CAP}); on the right the raw frames as they
            arrived, chunk by chunk and field by field, with the time each chunk came in.
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
