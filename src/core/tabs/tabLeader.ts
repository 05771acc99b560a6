/**
 * The leader tab's side of a shared stream: it holds the network connection and broadcasts what
 * happens on it, at most one message per task, with a heartbeat while nothing happens. One
 * leader lives from the lock's grant to its release; the next lead is a new one.
 */
import { systemClock, type Clock } from '../clock.js';
import { Connection } from '../connection.js';
import type { ConnectionOptions, SSEMessage } from '../types.js';
import type { SSEError } from '../errors.js';
import { ANY_EVENT } from '../streamBase.js';
import {
  toWire,
  type Epoch,
  type Item,
  type Lead,
  type Wire,
  type WireError,
  type WireState,
} from './wire.js';

/**
 * How many of its latest messages, and at most how many events in them, a leader keeps for tabs
 * that missed some (paused, frozen).
 */
const RESEND = 512;
const RESEND_EVENTS = 4096;

/** What a leader asks of the tab it runs in. */
export interface LeaderHost {
  post(message: Wire): void;
  /** Applies a change in the leader's own tab, with live errors. */
  apply(item: Item<SSEError | WireError>): void;
}

/** Runs `fn` from a fresh task, so timers set by it are not "chained" ones browsers throttle hard. */
function hop(fn: () => void): void {
  if (typeof MessageChannel === 'undefined' || typeof document === 'undefined') return fn();
  const { port1, port2 } = new MessageChannel();
  port1.onmessage = () => {
    port1.close();
    fn();
  };
  port2.postMessage(0);
}

export class TabLeader {
  /** The network connection. */
  readonly connection: Connection;
  readonly epoch: Epoch;
  /** The number of the last message sent. */
  seq = 0;

  readonly #host: LeaderHost;
  readonly #heartbeat: number;
  readonly #off: (() => void)[];
  #live = true;
  /** The connection's state last broadcast, to send state only when it changed. */
  #sent: WireState<SSEError> | null = null;
  #sentMessage: SSEMessage | null = null;
  #outbox: Item[] = [];
  #flushQueued = false;
  #beatTimer: unknown;
  readonly #clock: Clock;
  /** The latest {@link RESEND} messages sent, for tabs that missed some. */
  #log: Lead[] = [];
  /** Items in `#log`. */
  #logItems = 0;

  constructor(
    url: string,
    options: ConnectionOptions,
    epoch: Epoch,
    heartbeat: number,
    host: LeaderHost,
  ) {
    this.epoch = epoch;
    this.#host = host;
    this.#heartbeat = heartbeat;
    this.#clock = options.clock ?? systemClock;
    const inner = (this.connection = new Connection(url, options));
    this.#off = [
      inner.subscribe(() => this.#changed()),
      inner.addEventListener(ANY_EVENT, (m) => {
        this.#sentMessage = m;
        this.#emit({ t: 'ev', m });
      }),
      inner.onOpen(() => this.#emit({ t: 'open' })),
      inner.onError((error) => this.#emit({ t: 'err', x: toWire(error) }, { t: 'err', x: error })),
    ];
    this.#beat();
  }

  /** Closes the network connection; nothing more is sent. */
  stop(): void {
    this.#live = false;
    for (const off of this.#off) off();
    this.connection.close();
    this.#clock.clearTimeout(this.#beatTimer);
    this.#outbox = [];
  }

  /** The last message: the next leader may start, from the last event ID sent. */
  goodbye(): void {
    this.#emit({ t: 'bye' });
    this.flush();
  }

  /** Sends what is queued now rather than at the end of the task. */
  flush(): void {
    this.#flushQueued = false;
    const items = this.#outbox;
    if (!items.length) return;
    this.#outbox = [];
    this.#send(items);
  }

  /** The messages from number `from` on, for a tab that missed them. */
  sentSince(from: number): Lead[] {
    this.flush();
    return this.#log.filter((m) => m.n >= from);
  }

  #beat(): void {
    this.#beatTimer = this.#clock.setTimeout(() => {
      if (!this.#live) return;
      if (!this.#outbox.length) this.#send([]);
      hop(() => this.#live && this.#beat());
    }, this.#heartbeat);
  }

  /** The connection changed state: broadcast what the events do not already say. */
  #changed(): void {
    const snapshot = this.connection.getSnapshot();
    const prev = this.#sent;
    const idOnly =
      snapshot.lastMessage === this.#sentMessage && snapshot.lastEventId !== prev?.lastEventId;
    if (
      prev &&
      !idOnly &&
      prev.status === snapshot.status &&
      prev.attempt === snapshot.attempt &&
      prev.nextRetryAt === snapshot.nextRetryAt &&
      prev.error === snapshot.error &&
      prev.continuity === snapshot.continuity
    ) {
      return;
    }
    const s: WireState<SSEError> = {
      status: snapshot.status,
      attempt: snapshot.attempt,
      nextRetryAt: snapshot.nextRetryAt,
      error: snapshot.error,
      lastEventId: snapshot.lastEventId,
      continuity: snapshot.continuity,
    };
    this.#sent = s;
    this.#emit({ t: 'st', s: { ...s, error: s.error && toWire(s.error) } }, { t: 'st', s });
  }

  /** Applies an item in this tab and queues it for the others (one message per task). */
  #emit(item: Item, local: Item<SSEError | WireError> = item): void {
    // Queued first: a listener that closes this tab's stream flushes it with the goodbye.
    this.#outbox.push(item);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(() => this.flush());
    }
    this.#host.apply(local);
  }

  #send(items: Item[]): void {
    if (!this.#live) return;
    const message: Lead = { k: 'lead', ...this.epoch, n: ++this.seq, items };
    const log = this.#log;
    log.push(message);
    this.#logItems += items.length;
    while (log.length > RESEND || this.#logItems > RESEND_EVENTS) {
      this.#logItems -= log.shift()!.items.length;
    }
    this.#host.post(message);
  }
}
