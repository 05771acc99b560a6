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
