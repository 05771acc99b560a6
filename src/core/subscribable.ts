/**
 * A set of listeners with hooks for the first subscribe and the last unsubscribe, so a store
 * holds its own upstream subscription (a lease, a timer) only while someone listens.
 *
 * @example
 * ```ts
 * class Clock extends Subscribable {
 *   #timer?: ReturnType<typeof setInterval>;
 *   protected override onSubscribe() {
 *     this.#timer = setInterval(() => this.notify(), 1000);
 *   }
 *   protected override onUnsubscribe() {
 *     clearInterval(this.#timer);
 *   }
 * }
 * const off = new Clock().subscribe(() => console.log('tick'));
 * ```
 */
export class Subscribable<TListener extends (...args: never[]) => void = () => void> {
  protected readonly listeners = new Set<TListener>();

  /** Adds `listener`; the returned function removes it (once). Bound: pass it around freely. */
  readonly subscribe = (listener: TListener): (() => void) => {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.onSubscribe();
    return () => {
      if (this.listeners.delete(listener) && !this.listeners.size) this.onUnsubscribe();
    };
  };

  /** Calls every listener with `args`. */
  protected notify(...args: Parameters<TListener>): void {
    for (const listener of this.listeners) listener(...args);
  }

  /** Called when the first listener subscribes. */
  protected onSubscribe(): void {}

  /** Called when the last listener unsubscribes. */
  protected onUnsubscribe(): void {}
}
