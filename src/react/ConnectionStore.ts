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
  readonly connection: Connection;
  readonly #throttle: number | undefined;
  #snapshot: ConnectionSnapshot;
  readonly #listeners = new Set<() => void>();
  readonly #types = new Map<string, TypeSlot>();
  #active = 0;
  #unsubscribe: (() => void) | undefined;
  #cancel: Cancel | undefined;

  constructor(connection: Connection, throttle: number | undefined) {
    this.connection = connection;
    this.#throttle = throttle;
    this.#snapshot = connection.getSnapshot();
  }

  /** The batched connection snapshot (the live one while nobody listens). */
  getSnapshot = (): ConnectionSnapshot =>
    this.#active ? this.#snapshot : this.connection.getSnapshot();

  subscribe = (listener: () => void): (() => void) => this.#hold(this.#listeners, listener);

  /** The batched last event of `type` (the live one while nobody listens). */
  getTypeSnapshot(type: string): SSEMessage | undefined {
    const slot = this.#types.get(type);
    return slot && this.#active ? slot.value : this.connection.getLastEvent(type);
  }

  subscribeType(type: string, listener: () => void): () => void {
    const types = this.#types;
    let slot = types.get(type);
    if (!slot) {
      slot = { value: this.connection.getLastEvent(type), listeners: new Set() };
      types.set(type, slot);
    }
    const held = slot;
    return this.#hold(held.listeners, listener, () => {
      if (!held.listeners.size && types.get(type) === held) types.delete(type);
    });
  }

  /** Adds `listener` to `set` and keeps the store subscribed until the returned call. */
  #hold(set: Set<() => void>, listener: () => void, removed?: () => void): () => void {
    set.add(listener);
    if (!this.#active++) {
      // Start from the live state: whoever subscribes compares against it right away.
      const connection = this.connection;
      this.#snapshot = connection.getSnapshot();
      for (const [type, slot] of this.#types) slot.value = connection.getLastEvent(type);
      this.#unsubscribe = connection.subscribe(this.#onChange);
    }
    return () => {
      if (!set.delete(listener)) return;
      removed?.();
      if (--this.#active) return;
      this.#unsubscribe?.();
      this.#cancel?.();
      this.#unsubscribe = this.#cancel = undefined;
    };
  }

  readonly #onChange = (): void => {
    if (this.#throttle === 0) this.#flush();
    else this.#cancel ??= schedule(this.#flush, this.#throttle);
  };

  readonly #flush = (): void => {
    this.#cancel = undefined;
    const connection = this.connection;
    const notify: (() => void)[] = [];
    for (const [type, slot] of this.#types) {
      const value = connection.getLastEvent(type);
      if (value === slot.value) continue;
      slot.value = value;
      notify.push(...slot.listeners);
    }
    const snapshot = connection.getSnapshot();
    if (snapshot !== this.#snapshot) {
      this.#snapshot = snapshot;
      notify.push(...this.#listeners);
    }
    for (const listener of notify) listener();
  };
}

function schedule(fn: () => void, throttle: number | undefined): Cancel {
  if (throttle === undefined && typeof requestAnimationFrame === 'function') {
    const id = requestAnimationFrame(fn);
    return () => cancelAnimationFrame(id);
  }
  const id = setTimeout(fn, throttle ?? 16);
  return () => clearTimeout(id);
}
