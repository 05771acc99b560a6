/**
 * The host's timing as the typewriter uses it, beside the frames of `frame.ts`: a clock to pace
 * by, and whether the user asked for reduced motion.
 */

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
