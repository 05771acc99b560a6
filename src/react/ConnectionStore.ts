import type { Connection } from '../core/connection.js';
import type { ConnectionSnapshot, SSEMessage } from '../core/types.js';

interface TypeSlot {
  value: SSEMessage | undefined;
  readonly listeners: Set<() => void>;
}

type Cancel = () => void;

/**
 * The React side of one connection: it batches the connection's notifications (one flush per
 * animation frame, or per `throttle` ms) and exposes a batched snapshot, plus one store per event
 * type that notifies only when that type's last event changed. Everything notified in a flush is
 * notified in one task, so React renders it once.
 *
 * While nobody listens it holds no subscription and reads the connection directly.
 */
export class ConnectionStore {
  private snapshot: ConnectionSnapshot;
  private readonly listeners = new Set<() => void>();
  private readonly types = new Map<string, TypeSlot>();
  private active = 0;
  private unsubscribe: (() => void) | null = null;
  private cancel: Cancel | null = null;

  constructor(
    readonly connection: Connection,
    private readonly throttle: number | undefined,
  ) {
    this.snapshot = connection.getSnapshot();
  }

  /** The batched connection snapshot (the live one while nobody listens). */
  getSnapshot = (): ConnectionSnapshot =>
    this.active > 0 ? this.snapshot : this.connection.getSnapshot();

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    this.retain();
    return () => {
      if (this.listeners.delete(listener)) this.releaseOne();
    };
  };

  /** The batched last event of `type` (the live one while nobody listens). */
  getTypeSnapshot(type: string): SSEMessage | undefined {
    const slot = this.types.get(type);
    return slot && this.active > 0 ? slot.value : this.connection.getLastEvent(type);
  }

  subscribeType(type: string, listener: () => void): () => void {
    let slot = this.types.get(type);
    if (!slot) {
      slot = { value: this.connection.getLastEvent(type), listeners: new Set() };
      this.types.set(type, slot);
    }
    const held = slot;
    held.listeners.add(listener);
    this.retain();
    return () => {
      if (!held.listeners.delete(listener)) return;
      if (held.listeners.size === 0 && this.types.get(type) === held) this.types.delete(type);
      this.releaseOne();
    };
  }

  private retain(): void {
    if (this.active++ > 0) return;
    // Start from the live state: whoever subscribes compares against it right away.
    this.snapshot = this.connection.getSnapshot();
    for (const [type, slot] of this.types) slot.value = this.connection.getLastEvent(type);
    this.unsubscribe = this.connection.subscribe(this.onChange);
  }

  private releaseOne(): void {
    if (--this.active > 0) return;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.cancel?.();
    this.cancel = null;
  }

  private readonly onChange = (): void => {
    if (this.throttle === 0) this.flush();
    else if (!this.cancel) this.cancel = schedule(this.flush, this.throttle);
  };

  private readonly flush = (): void => {
    this.cancel = null;
    const notify: (() => void)[] = [];
    for (const [type, slot] of this.types) {
      const value = this.connection.getLastEvent(type);
      if (value === slot.value) continue;
      slot.value = value;
      notify.push(...slot.listeners);
    }
    const snapshot = this.connection.getSnapshot();
    if (snapshot !== this.snapshot) {
      this.snapshot = snapshot;
      notify.push(...this.listeners);
    }
    for (const listener of notify) listener();
  };
}

function schedule(fn: () => void, throttle: number | undefined): Cancel {
  if (throttle === undefined && typeof globalThis.requestAnimationFrame === 'function') {
    const id = globalThis.requestAnimationFrame(fn);
    return () => globalThis.cancelAnimationFrame(id);
  }
  const id = setTimeout(fn, throttle ?? 16);
  return () => clearTimeout(id);
}
