import { act } from 'react';

/** One frame of the library's batching: `requestAnimationFrame`, or 16 ms where there is none. */
export const FRAME_MS = 16;

interface FakeClock {
  tickAsync(ms: number): Promise<unknown>;
}

/**
 * Lets `count` frames pass and renders what they brought, inside `act`: events sent before the
 * call are parsed, batched into their frame, and committed when it resolves, without a sleep.
 *
 * Under fake timers (Vitest's `vi.useFakeTimers()` or Jest's modern timers) each frame advances
 * the fake clock by 16 ms, so frames, reconnect delays and stall timeouts all move with the
 * clock the test controls; otherwise it waits for real animation frames.
 *
 * @example
 * ```ts
 * (await server.connected).send({ data: 'online' });
 * await flushFrames();
 * expect(screen.getByRole('status').textContent).toBe('online');
 * ```
 */
export async function flushFrames(count = 1): Promise<void> {
  await inAct(async () => {
    for (let i = 0; i < count; i++) await nextFrame();
  });
}

/**
 * Advances fake timers by `ms` inside `act`, so what the time brings (a reconnect after its
 * delay, a stall timeout, the frames in between) is rendered when it resolves. Needs fake timers
 * (Vitest's `vi.useFakeTimers()` or Jest's modern timers): a test that waits on real time would
 * be slow and flaky, so without them it throws.
 *
 * @example
 * ```ts
 * vi.useFakeTimers();
 * (await server.connected).drop();
 * await advanceTime(1000); // the reconnect delay
 * expect(await server.connected).toHaveReceivedLastEventId('7');
 * ```
 */
export async function advanceTime(ms: number): Promise<void> {
  const clock = fakeClock();
  if (!clock) {
    throw new Error(
      'advanceTime() needs fake timers: call vi.useFakeTimers() (or jest.useFakeTimers()) first',
    );
  }
  await inAct(async () => {
    await clock.tickAsync(ms);
  });
}

/**
 * `act`, in an act environment while it runs (as Testing Library's own `act` does), so the frame
 * clock works whether or not the test framework set the environment up (Vitest without globals).
 */
async function inAct(work: () => Promise<void>): Promise<void> {
  const env = globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean };
  const previous = env.IS_REACT_ACT_ENVIRONMENT;
  env.IS_REACT_ACT_ENVIRONMENT = true;
  try {
    await act(work);
  } finally {
    env.IS_REACT_ACT_ENVIRONMENT = previous;
  }
}

function nextFrame(): Promise<unknown> {
  const clock = fakeClock();
  if (clock) return clock.tickAsync(FRAME_MS);
  return new Promise<void>((resolve) => {
    // A callback queued now runs after the frame callbacks queued before it; the timer after it
    // lets the promise work those callbacks started (reads of the next chunk) settle too.
    if (typeof requestAnimationFrame === 'function') {
      requestAnimationFrame(() => setTimeout(resolve, 0));
    } else {
      // Without frames the library batches with a 16 ms timer, set once the pending promise work
      // has run: start counting after it too.
      setTimeout(() => setTimeout(resolve, FRAME_MS + 1), 0);
    }
  });
}

/**
 * The fake clock behind the global timers, if they are faked: `@sinonjs/fake-timers` (used by
 * Vitest and Jest) marks each function it installs with its clock.
 */
function fakeClock(): FakeClock | undefined {
  const clock = (globalThis.setTimeout as unknown as { clock?: Partial<FakeClock> }).clock;
  return typeof clock?.tickAsync === 'function' ? (clock as FakeClock) : undefined;
}
