/**
 * Where the core reads the time and sets its timers: retries, stall detection and error-body
 * timeouts all go through one, so a test (or a host with its own scheduler) can drive every
 * timer of a connection at once.
 *
 * @example
 * ```ts
 * const timers: Array<() => void> = [];
 * const clock: Clock = {
 *   now: () => 0,
 *   setTimeout: (fn) => timers.push(fn),
 *   clearTimeout: () => {},
 * };
 * new Connection('/events', { clock });
 * ```
 */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * The platform's clock. The globals are read at each call, so fake timers installed after
 * import (`vi.useFakeTimers()`) still apply.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
