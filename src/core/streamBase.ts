import type { SSEError } from './errors.js';
import { Listeners } from './listeners.js';
import { Subscribable } from './subscribable.js';
import type { ConnectionSnapshot, ConnectionStatus, SSEMessage } from './types.js';

/** How many event types a connection remembers the last event of. */
export const LAST_EVENT_TYPES = 256;

/** Listener type that receives every event whatever its type. */
export const ANY_EVENT = '*';

/** The state of a connection that was never opened. */
export const INITIAL: ConnectionSnapshot = /* @__PURE__ */ Object.freeze({
  status: 'closed',
  readyState: 2,
  lastEventId: '',
  lastMessage: null,
  error: null,
  attempt: 0,
  nextRetryAt: null,
  shared: false,
  continuity: 'continuous',
});

/** A snapshot's fields but the last event ID, which streams keep apart (it changes per event). */
export type LiveState = {
  -readonly [K in Exclude<keyof ConnectionSnapshot, 'lastEventId'>]: ConnectionSnapshot[K];
};

/**
 * What a stream's connection and a tab's share of one have in common: the live state published
 * as immutable snapshots, listeners by event type, and the last event of each type. Subclasses
 * change `state` or `lastEventId`, then call `changed()`; events go out through `fanOut()`.
 */
export abstract class StreamBase extends Subscribable {
  /** The live state but for the last event ID; a snapshot is a frozen copy of both. */
  protected readonly state: LiveState;
  protected lastEventId: string;
  #snapshot: ConnectionSnapshot | null = null;
  readonly #anyListeners = new Listeners<SSEMessage>();
  protected readonly eventListeners = new Map<string, Listeners<SSEMessage>>();
  protected readonly openListeners = new Listeners<void>();
  protected readonly errorListeners = new Listeners<SSEError>();
  protected readonly lastByType = new Map<string, SSEMessage>();

  constructor(state: LiveState, lastEventId: string) {
    super();
    this.state = state;
    this.lastEventId = lastEventId;
  }

  /** The current immutable state. Same object until something changes. */
  getSnapshot = (): ConnectionSnapshot =>
    (this.#snapshot ??= Object.freeze({ ...this.state, lastEventId: this.lastEventId }));

  /**
   * Calls `listener` for every event of `type` (`'*'` for all), in order, synchronously as it is
   * parsed. Returns the unsubscribe function.
   */
  addEventListener(type: string, listener: (message: SSEMessage) => void): () => void {
    if (type === ANY_EVENT) return this.#anyListeners.add(listener);
    const all = this.eventListeners;
    let listeners = all.get(type);
    if (!listeners) all.set(type, (listeners = new Listeners()));
    const remove = listeners.add(listener);
    this.listening(type);
    return () => {
      remove();
      if (!listeners.list.length && all.get(type) === listeners) all.delete(type);
    };
  }

  /** Called each time the stream opens. */
  onOpen(listener: () => void): () => void {
    return this.openListeners.add(listener);
  }

  /** Called for each error, with `error.willRetry` saying whether a reconnect follows. */
  onError(listener: (error: SSEError) => void): () => void {
    return this.errorListeners.add(listener);
  }

  /**
   * The last event of one type, or undefined before the first. The last {@link LAST_EVENT_TYPES}
   * types seen are remembered, so a stream that invents types cannot grow memory without end.
   */
  getLastEvent(type: string): SSEMessage | undefined {
    return this.lastByType.get(type);
  }

  /** A listener asked for `type` (the browser's EventSource delivers only listened types). */
  protected listening(_type: string): void {}

  /** Publishes a new status with its readyState, attempt and retry time (and error, if given). */
  protected setStatus(
    status: ConnectionStatus,
    attempt = 0,
    nextRetryAt: number | null = null,
    error?: SSEError | null,
  ): void {
    const state = this.state;
    state.status = status;
    state.readyState = status === 'open' ? 1 : status === 'closed' ? 2 : 0;
    state.attempt = attempt;
    state.nextRetryAt = nextRetryAt;
    if (error !== undefined) state.error = error;
    this.changed();
  }

  /** Publishes a change of `state` or `lastEventId`. */
  protected changed(): void {
    this.#snapshot = null;
    this.notify();
  }

  /** One event: remembered as the last of its type and the last message, then to listeners. */
  protected fanOut(message: SSEMessage): void {
    const last = this.lastByType;
    const known = last.size;
    last.set(message.type, message);
    // A new type beyond the limit: forget the type seen first.
    if (last.size > known && known >= LAST_EVENT_TYPES) last.delete(last.keys().next().value!);
    // The hot path: set the field directly instead of going through a patch object.
    this.state.lastMessage = message;
    this.changed();
    this.eventListeners.get(message.type)?.emit(message);
    this.#anyListeners.emit(message);
  }
}
