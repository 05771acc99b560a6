/** One frame when there is no `requestAnimationFrame` (Node, workers): 16 ms. */
export const FRAME_MS = 16;

/** Schedules a callback for the next frame; `cancel` takes the handle `request` returned. */
export interface FrameScheduler {
  request(callback: () => void): unknown;
  cancel(handle: unknown): void;
}

const raf = (): boolean => typeof requestAnimationFrame === 'function';

/**
 * Runs `callback` on the next animation frame, or in 16 ms where there is none: the clock every
 * batched render and every paced reveal of the library runs on. Read at each call, so tests that
 * install fake timers or a fake `requestAnimationFrame` after import are obeyed.
 *
 * @example
 * ```ts
 * const handle = requestFrame(() => paint());
 * cancelFrame(handle);
 * ```
 */
export const requestFrame = (callback: () => void): unknown =>
  raf() ? requestAnimationFrame(callback) : setTimeout(callback, FRAME_MS);

/** Cancels a callback {@link requestFrame} scheduled, by the handle it returned. */
export const cancelFrame = (handle: unknown): void =>
  raf() ? cancelAnimationFrame(handle as number) : clearTimeout(handle as number);

/**
 * {@link requestFrame} and {@link cancelFrame} as a {@link FrameScheduler}, the shape a text
 * stream's environment takes.
 */
export const frames: FrameScheduler = { request: requestFrame, cancel: cancelFrame };

interface Queue extends Set<() => void> {
  /** The clock it waits on: a queue on a clock that was replaced (fake timers) is not reused. */
  clock: unknown;
}

const queues = new Map<number | undefined, Queue>();

/**
 * Runs `fn` on the next frame (`ms` undefined) or in `ms` ms, in one task with every other
 * callback queued for that frame or delay, so a UI that hears of all of them renders once.
 */
function enqueue(ms: number | undefined, fn: () => void): Queue {
  const clock = ms === undefined && raf() ? requestAnimationFrame : setTimeout;
  let queue = queues.get(ms);
  if (queue?.clock !== clock) {
    const next = (queue = Object.assign(new Set<() => void>(), { clock }));
    queues.set(ms, next);
    const run = (): void => {
      if (queues.get(ms) === next) queues.delete(ms);
      for (const callback of next) callback();
    };
    if (ms === undefined) requestFrame(run);
    else setTimeout(run, ms);
  }
  queue.add(fn);
  return queue;
}

/**
 * Coalesces calls of `flush` into one per frame (`throttle()` undefined), one per `throttle()`
 * ms (a number > 0), or none at all (`0`: every call flushes at once); `throttle` is read at each
 * change. Every flush due on the same frame (or delay) runs in one task. Returns the function to
 * call on each change and a cancel for a flush still pending.
 *
 * @example
 * ```ts
 * const [changed, cancel] = batch(() => render(store.get()));
 * store.subscribe(changed); // renders at most once a frame
 * ```
 */
export function batch(
  flush: () => void,
  throttle: () => number | undefined = () => undefined,
): [schedule: () => void, cancel: () => void] {
  let queued: Queue | undefined;
  const run = (): void => {
    queued = undefined;
    flush();
  };
  return [
    () => {
      const ms = throttle();
      if (ms === 0) return flush();
      queued ??= enqueue(ms, run);
    },
    () => {
      queued?.delete(run);
      queued = undefined;
    },
  ];
}

// The host's timing beside its frames, as the typewriter paces by it.

/** `performance.now()` where the host has it: the wall clock may jump. */
export function monotonicNow(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/** The `prefers-reduced-motion: reduce` media query, false where it cannot be read. */
export function prefersReducedMotion(): boolean {
  try {
    return globalThis.matchMedia?.('(prefers-reduced-motion: reduce)')?.matches === true;
  } catch {
    return false;
  }
}
