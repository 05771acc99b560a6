import { Attempt } from './attempt.js';
import { systemClock, type Clock } from './clock.js';
import { SSEError } from './errors.js';
import { Backoff } from './reconnect.js';
import { INITIAL, StreamBase } from './streamBase.js';
import { pickTransport } from './transports/pickTransport.js';
import type { Transport } from './transports/transport.js';
import type {
  ConnectionInspection,
  ConnectionOptions,
  FailureRecord,
  StreamConnection,
} from './types.js';

export { ANY_EVENT, INITIAL, LAST_EVENT_TYPES } from './streamBase.js';

/** How many failures a connection remembers for {@link Connection.inspect}. */
export const HISTORY_SIZE = 50;

/**
 * One live stream: opens it, parses it, reconnects by the rules, and fans events out by type.
 * State is published as immutable snapshots (`getSnapshot` / `subscribe`), which is what
 * `useSyncExternalStore` wants. Each try is an {@link Attempt}; the {@link Backoff} decides
 * whether and when the next one starts.
 *
 * @example
 * ```ts
 * const conn = new Connection('https://example.com/events', { headers: { Authorization: 'Bearer t' } });
 * const off = conn.addEventListener('alert', (msg) => console.log(msg.data));
 * conn.open();
 * // later
 * off();
 * conn.close();
 * ```
 */
export class Connection extends StreamBase implements StreamConnection {
  readonly url: string;
  readonly options: Readonly<ConnectionOptions>;

  readonly #backoff: Backoff;
  readonly #transport: Transport;
  readonly #clock: Clock;
  #attempt: Attempt | null = null;
  #retryTimer: unknown;
  #removeOnline: (() => void) | undefined;
  #everOpened = false;
  #events = 0;
  #bytes = 0;
  readonly #history: FailureRecord[] = [];

  constructor(url: string, options: ConnectionOptions = {}) {
    const { lastEventId: _, ...initial } = INITIAL;
    super(initial, options.lastEventId ?? '');
    this.url = url;
    this.options = options;
    this.#transport = pickTransport(options);
    this.#clock = options.clock ?? systemClock;
    this.#backoff = new Backoff(options.reconnect, options.retryOn, options.random);
    options.signal?.addEventListener('abort', () => {
      if (this.state.status === 'closed') return;
      this.close();
      this.state.error = new SSEError('aborted', 'The stream was aborted by its signal');
      this.changed();
    });
  }

  protected override listening(type: string): void {
    this.#attempt?.listen(type);
  }

  /**
   * Counters, failure history and the last event of each type, for devtools. A new object on
   * every call, built from what the connection keeps anyway: it costs nothing when not called.
   *
   * @example
   * ```ts
   * const { events, bytes, history } = conn.inspect();
   * ```
   */
  inspect(): ConnectionInspection {
    return {
      url: this.url,
      method: (this.options.method ?? 'GET').toUpperCase(),
      transport: this.#transport.name,
      snapshot: this.getSnapshot(),
      events: this.#events,
      bytes: this.#bytes,
      history: [...this.#history],
      lastEvents: [...this.lastByType.values()],
    };
  }

  /**
   * Drops the current attempt and connects again at once, with the last event ID; opens a closed
   * stream. For devtools and "retry now" buttons.
   */
  reconnect(): void {
    if (this.state.status === 'closed') return this.open();
    this.#backoff.reset();
    this.#start('connecting');
  }

  /** Starts the stream if it is closed. Calling it on an open or connecting stream does nothing. */
  open(): void {
    if (this.state.status !== 'closed' || this.options.signal?.aborted) return;
    this.#backoff.reset();
    this.#start('connecting');
  }

  /** Closes the stream for good: cancels the request and every timer. `open()` may start it again. */
  close(): void {
    if (this.state.status === 'closed') return;
    this.#stop();
    this.setStatus('closed');
  }

  #start(status: 'connecting' | 'reconnecting'): void {
    this.#stop();
    this.setStatus(status, status === 'reconnecting' ? this.#backoff.failures : 0);
    const backoff = this.#backoff;
    this.#attempt = new Attempt({
      url: this.url,
      options: this.options,
      transport: this.#transport,
      clock: this.#clock,
      lastEventId: this.lastEventId,
      types: this.eventListeners.keys(),
      open: () => {
        // Every connection after the first asked the server to resume, or could not.
        this.state.continuity = !this.#everOpened
          ? 'continuous'
          : this.lastEventId
            ? 'resumed'
            : 'gap';
        this.#everOpened = true;
        this.setStatus('open', 0, null, null);
        this.openListeners.emit();
      },
      event: (type, data, lastEventId, origin) => {
        // An event is what proves the stream works; bytes or comments alone do not.
        backoff.reset();
        this.#events++;
        this.lastEventId = lastEventId;
        this.deliver(type, data, lastEventId, origin);
      },
      id: (lastEventId, publish) => {
        this.lastEventId = lastEventId;
        if (publish) this.changed();
      },
      retry: (ms) => (backoff.serverRetry = ms),
      bytes: (count) => (this.#bytes += count),
      fail: (error) => this.#fail(error),
      lost: (error) => {
        // The browser retries by itself: count it against the policy, and end it when spent.
        if (backoff.failed(error) === null) this.#giveUp(error);
        else this.#retrying(error.withRetry(true), null);
      },
    });
  }

  /**
   * One event, after the connection took note of it: to its listeners by type and as the last
   * message. A subclass that builds event objects of its own (the `EventSource` class) overrides
   * it, and pays for no fan-out it does not use.
   */
  protected deliver(type: string, data: string, lastEventId: string, origin: string): void {
    this.fanOut({ type, data, lastEventId, origin });
  }

  #fail(error: SSEError): void {
    this.#stop();
    const delay = this.#backoff.failed(error);
    if (delay === null) return this.#giveUp(error);
    const published = error.withRetry(true);
    const again = () => this.#start('reconnecting');
    if (isOffline()) {
      // Trying while the browser knows it is offline would only burn attempts: wait for 'online'.
      globalThis.addEventListener('online', again, { once: true });
      this.#removeOnline = () => globalThis.removeEventListener('online', again);
      this.#retrying(published, null);
    } else {
      this.#retryTimer = this.#clock.setTimeout(again, delay);
      this.#retrying(published, this.#clock.now() + delay);
    }
  }

  /** Closes for good after `error`, and says so. */
  #giveUp(error: SSEError): void {
    this.#stop();
    const published = error.withRetry(false);
    this.#remember(published);
    this.setStatus('closed', 0, null, published);
    this.errorListeners.emit(published);
  }

  /** Publishes a `reconnecting` state for `error` and tells the error listeners. */
  #retrying(error: SSEError, nextRetryAt: number | null): void {
    this.#remember(error);
    this.setStatus('reconnecting', this.#backoff.failures, nextRetryAt, error);
    this.errorListeners.emit(error);
  }

  #remember(error: SSEError): void {
    const history = this.#history;
    if (history.push({ at: this.#clock.now(), error }) > HISTORY_SIZE) history.shift();
  }

  /** Cancels the current attempt and every timer, leaving the status alone. */
  #stop(): void {
    this.#attempt?.cancel();
    this.#attempt = null;
    this.#clock.clearTimeout(this.#retryTimer);
    this.#removeOnline?.();
    this.#removeOnline = undefined;
  }
}

function isOffline(): boolean {
  return (
    (globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine === false &&
    typeof globalThis.addEventListener === 'function'
  );
}
