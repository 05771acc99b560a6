import { reportListenerError } from './errors.js';

/**
 * Listeners called in the order they were added; adding one twice keeps one. The array is
 * replaced, never changed, on add and remove, so the per-event loop is a plain indexed one and a
 * listener removed (or added) during a call takes effect from the next event.
 */
export class Listeners<T> {
  list: ReadonlyArray<(value: T) => void> = [];

  add(listener: (value: T) => void): () => void {
    if (!this.list.includes(listener)) this.list = [...this.list, listener];
    return () => {
      this.list = this.list.filter((l) => l !== listener);
    };
  }

  /** Calls each listener; a throwing one must not break the stream or the others: report it. */
  emit(value: T): void;
  emit(this: Listeners<void>): void;
  emit(value?: T): void {
    const list = this.list;
    for (let i = 0; i < list.length; i++) {
      try {
        (list[i] as (value: T | undefined) => void)(value);
      } catch (error) {
        reportListenerError(error);
      }
    }
  }
}
