import { systemClock, type Clock } from './clock.js';

/**
 * Something that stays a grace period (its linger) after its last user left, so a user that
 * comes back in time (a React StrictMode remount, a route change) finds it still there. The one
 * linger mechanism of the library: registries and stores extend it.
 *
 * @example
 * ```ts
 * class Entry extends Removable {
 *   protected override remove() {
 *     cache.delete(this);
 *   }
 * }
 * const entry = new Entry();
 * entry.scheduleRemove(1000); // removed in 1 s...
 * entry.cancelRemove(); // ...unless taken again before
 * ```
 */
export abstract class Removable {
  #timer: unknown;
  #clock: Clock = systemClock;

  /** Removes it `linger` ms from now on `clock`, unless cancelled or rescheduled before. */
  scheduleRemove(linger: number, clock: Clock = systemClock): void {
    this.cancelRemove();
    this.#clock = clock;
    this.#timer = clock.setTimeout(() => this.remove(), linger);
  }

  /** Keeps it: a scheduled removal does not happen. */
  cancelRemove(): void {
    this.#clock.clearTimeout(this.#timer);
  }

  /** What removing it means. Called once its linger has passed. */
  protected abstract remove(): void;
}
