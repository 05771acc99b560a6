import type { ServerResponse } from 'node:http';
import type { EventHistory, StoredEvent } from './history.js';
import { createBuffer } from './sse.js';

export interface FanoutOptions {
  /** The events this process holds, in id order; every subscriber reads from it. */
  history: EventHistory;
  /** Bytes a response may hold unsent before nothing more is written to it. */
  maxQueueBytes: number;
  /** How long a response may stay at that bound before it is dropped. */
  slowClientMs: number;
  /**
   * Events that `history` no longer holds, from a log shared by several processes; resolves with
   * null when they are gone there too. Without it, such a subscriber has fallen behind for good.
   */
  readOlder?: (afterId: number, limit: number) => Promise<StoredEvent[] | null>;
  log: (message: string) => void;
}

interface Subscriber {
  res: ServerResponse;
  label: string;
  /** Id of the last event written to this response. */
  cursor: number;
  /** Events up to this id are a replay of what the client missed. */
  replayUntil: number;
  /** Over the queue bound: waiting for the response to drain. */
  stalled: boolean;
  /** Waiting for `readOlder`. */
  reading: boolean;
  slowTimer: NodeJS.Timeout | undefined;
  onDrain: () => void;
}

/** Events read from the history per write: big enough to batch, small enough to stop in time. */
const BATCH = 64;
/** Framed events kept for reuse: a few batches. */
const FRAMED_KEPT = 256;

/**
 * Delivers the control-panel events to every open stream, each at its own pace.
 *
 * A subscriber is a cursor into the history, not a queue: events are written while the response
 * holds less than `maxQueueBytes` unsent, and the rest stays in the history (which exists anyway
 * for Last-Event-ID replay) until the response drains. So a client that stops reading costs at
 * most `maxQueueBytes` (plus one batch) of server memory, whatever the event rate. One that stays
 * at the bound for `slowClientMs` is disconnected and logged; it comes back with its
 * Last-Event-ID and gets the rest from the history. Replay and live delivery are the same path, so
 * a reconnecting client can neither miss nor repeat an event.
 */
export class EventFanout {
  readonly counts = { delivered: 0, replayed: 0, slowDisconnected: 0, fellBehind: 0 };
  private readonly subscribers = new Set<Subscriber>();
  /**
   * The newest events framed once for every subscriber they are written to; only the newest, so
   * the history is not held twice (catch-up reads of older events frame them again).
   */
  private readonly framed = new Map<StoredEvent, string>();

  constructor(private readonly options: FanoutOptions) {}

  get size(): number {
    return this.subscribers.size;
  }

  /** Bytes written to subscribers and not yet taken by the kernel. */
  queuedBytes(): number {
    let total = 0;
    for (const sub of this.subscribers) total += sub.res.writableLength;
    return total;
  }

  /** Timers held for stalled subscribers. */
  timerCount(): number {
    let count = 0;
    for (const sub of this.subscribers) if (sub.slowTimer) count += 1;
    return count;
  }

  /** Whether a response has room for more output (heartbeats skip stalled ones). */
  hasRoom(res: ServerResponse): boolean {
    return res.writableLength < this.options.maxQueueBytes;
  }

  /**
   * Starts delivering the events after `cursor` to `res`, at once for those already held. Returns
   * the function that stops it (call it when the response closes).
   */
  add(res: ServerResponse, cursor: number, label: string): () => void {
    const sub: Subscriber = {
      res,
      label,
      cursor,
      replayUntil: this.options.history.latestId,
      stalled: false,
      reading: false,
      slowTimer: undefined,
      onDrain: () => {
        clearTimeout(sub.slowTimer);
        sub.slowTimer = undefined;
        sub.stalled = false;
        this.pump(sub);
      },
    };
    this.subscribers.add(sub);
    this.pump(sub);
    return () => this.remove(sub);
  }

  /** New events are in the history: write them to every subscriber that has room. */
  notify(): void {
    for (const sub of this.subscribers) if (!sub.stalled && !sub.reading) this.pump(sub);
  }

  /** Stops every subscriber's timers (the responses are ended by their owner). */
  close(): void {
    for (const sub of [...this.subscribers]) this.remove(sub);
  }

  private remove(sub: Subscriber): void {
    if (!this.subscribers.delete(sub)) return;
    clearTimeout(sub.slowTimer);
    sub.slowTimer = undefined;
    sub.res.off('drain', sub.onDrain);
  }

  private pump(sub: Subscriber): void {
    const { history, maxQueueBytes } = this.options;
    while (this.subscribers.has(sub) && !sub.res.destroyed && !sub.res.writableEnded) {
      if (sub.res.writableLength >= maxQueueBytes) {
        this.stall(sub);
        return;
      }
      const events = history.after(sub.cursor, BATCH);
      if (events === null) {
        this.readOlder(sub);
        return;
      }
      if (events.length === 0) return;
      this.write(sub, events);
    }
  }

  private frame(event: StoredEvent): string {
    let text = this.framed.get(event);
    if (text === undefined) {
      text = createBuffer().push(event.data, event.type, String(event.id)).read();
      this.framed.set(event, text);
      if (this.framed.size > FRAMED_KEPT) {
        this.framed.delete(this.framed.keys().next().value as StoredEvent);
      }
    }
    return text;
  }

  private write(sub: Subscriber, events: StoredEvent[]): void {
    let text = '';
    for (const event of events) {
      text += this.frame(event);
      if (event.id <= sub.replayUntil) this.counts.replayed += 1;
    }
    this.counts.delivered += events.length;
    sub.cursor = events[events.length - 1]!.id;
    sub.res.write(text);
  }

  private stall(sub: Subscriber): void {
    if (sub.stalled) return;
    sub.stalled = true;
    sub.res.once('drain', sub.onDrain);
    const since = Date.now();
    sub.slowTimer = setTimeout(() => {
      sub.slowTimer = undefined;
      if (!this.subscribers.has(sub)) return;
      this.counts.slowDisconnected += 1;
      this.options.log(
        `slow client ${sub.label} disconnected: ${sub.res.writableLength} bytes unsent for ` +
          `${Date.now() - since} ms (bound ${this.options.maxQueueBytes} bytes, ` +
          `${this.options.slowClientMs} ms); last id sent ${sub.cursor}, it resumes from its Last-Event-ID`,
      );
      this.remove(sub);
      // Dropped, not ended: ending would wait for the client to read what is queued.
      sub.res.destroy();
    }, this.options.slowClientMs);
  }

  private readOlder(sub: Subscriber): void {
    const { readOlder } = this.options;
    if (!readOlder) {
      this.fellBehind(sub);
      return;
    }
    sub.reading = true;
    readOlder(sub.cursor, BATCH).then(
      (events) => {
        sub.reading = false;
        if (!this.subscribers.has(sub)) return;
        if (events === null) {
          this.fellBehind(sub);
          return;
        }
        if (events.length > 0) this.write(sub, events);
        this.pump(sub);
      },
      (error: unknown) => {
        sub.reading = false;
        if (!this.subscribers.has(sub)) return;
        this.options.log(`reading missed events for ${sub.label} failed: ${String(error)}`);
        this.remove(sub);
        sub.res.end();
      },
    );
  }

  /**
   * The events after the cursor are gone (the history turned over while the client was slow).
   * Ending the stream makes the client reconnect with its Last-Event-ID, where it is told that
   * the events it missed cannot be replayed.
   */
  private fellBehind(sub: Subscriber): void {
    this.counts.fellBehind += 1;
    this.options.log(
      `client ${sub.label} fell behind the history (last id sent ${sub.cursor}); ending its stream`,
    );
    this.remove(sub);
    sub.res.end();
  }
}
