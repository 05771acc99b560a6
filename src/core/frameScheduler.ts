/**
 * The host's timing as the typewriter uses it: frames to render in, a clock to pace by, and
 * whether the user asked for reduced motion.
 */

/** Schedules work for the next frame. */
export interface FrameScheduler {
  request(callback: () => void): unknown;
  cancel(handle: unknown): void;
}

/** `requestAnimationFrame` where the host has it (it pauses in hidden tabs), else a 16 ms timer. */
export function animationFrames(): FrameScheduler {
  const g = globalThis;
  return typeof g.requestAnimationFrame === 'function'
    ? {
        request: (callback) => g.requestAnimationFrame(callback),
        cancel: (handle) => g.cancelAnimationFrame(handle as number),
      }
    : {
        request: (callback) => setTimeout(callback, 16),
        cancel: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
      };
}

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
