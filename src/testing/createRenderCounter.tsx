import { Profiler, type ReactNode } from 'react';

/** What {@link createRenderCounter} returns. */
export interface RenderCounter {
  /** Counts the commits of its subtree under `id` (a mount counts as one). */
  readonly Count: (props: { id: string; children?: ReactNode }) => ReactNode;
  /** Commits counted under `id` since the start or the last `reset()`. */
  count(id: string): number;
  /** Starts every count from zero again, e.g. after the initial connection. */
  reset(): void;
}

/**
 * Counts how many times a part of the tree commits, to assert that a widget re-renders once per
 * frame, or not at all for events it does not read. Built on `<Profiler>`, so it counts real
 * commits (StrictMode's extra render calls are not commits) in development builds, which is what
 * tests run.
 *
 * @example
 * ```tsx
 * const renders = createRenderCounter();
 * render(<renders.Count id="badge"><StatusBadge /></renders.Count>, { wrapper });
 * renders.reset();
 * server.send({ event: 'unrelated', data: 'x' });
 * await flushFrames();
 * expect(renders.count('badge')).toBe(0);
 * ```
 */
export function createRenderCounter(): RenderCounter {
  const counts = new Map<string, number>();
  const count = (id: string) => counts.get(id) ?? 0;
  const onRender = (id: string) => counts.set(id, count(id) + 1);
  return {
    Count: ({ id, children }) => (
      <Profiler id={id} onRender={onRender}>
        {children}
      </Profiler>
    ),
    count,
    reset: () => counts.clear(),
  };
}
