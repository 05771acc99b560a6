import { Listeners } from './listeners.js';

/**
 * A set of listeners with hooks for the first subscribe and the last unsubscribe, so a store
 * holds its own upstream subscription (a lease, a timer) only while someone listens. Built on
 * the library's one listener list ({@link Listeners}): calls in order, a throwing listener
 * reported without stopping the others.
 *
 * @example
 * ```ts
 * class Ticker extends Subscribable {
 *   #timer?: ReturnType<typeof setInterval>;
 *   protected override onSubscribe() {
 *     this.#timer = setInterval(() => this.notify(), 1000);
 *   }
 *   protected override onUnsubscribe() {
 *     clearInterval(this.#timer);
 *   }
 * }
 * const off = new Ticker().subscribe(() => console.log('tick'));
 * ```
 */
export class Subscribable {
  protected readonly listeners = new Listeners<void>();

  /**
   * Adds `listener`; the returned function removes it (once). Bound: pass it around freely. A
   * listener already subscribed stays one listener, removed by the first of its unsubscribes.
   */
  readonly subscribe = (listener: () => void): (() => void) => {
    const listeners = this.listeners;
    const had = listeners.list.length;
    const remove = listeners.add(listener);
    // First and last are judged by the list itself, so a duplicate neither subscribes upstream
    // again nor unsubscribes it a second time.
    if (!had && listeners.list.length) this.onSubscribe();
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      const before = listeners.list.length;
      remove();
      if (before && !listeners.list.length) this.onUnsubscribe();
    };
  };

  /** Calls every listener. */
  protected notify(): void {
    this.listeners.emit();
  }

  /** Called when the first listener subscribes. */
  protected onSubscribe(): void {}

  /** Called when the last listener unsubscribes. */
  protected onUnsubscribe(): void {}
}
