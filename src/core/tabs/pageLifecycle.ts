/** Where Page Lifecycle events arrive: `freeze`/`resume` on a document, `pagehide`/`pageshow` on a window. */
export interface Lifecycle {
  document?: EventTarget | undefined;
  window?: EventTarget | undefined;
}

/**
 * Calls `away` when the page is frozen or hidden in the back/forward cache, `back` when it
 * returns; a frozen tab keeps its locks and timers, so it must give up the lead itself. Returns
 * the function that stops watching.
 */
export function watchLifecycle(
  lifecycle: Lifecycle,
  away: () => void,
  back: () => void,
): () => void {
  const { document: doc, window: win } = lifecycle;
  const listeners = [
    [doc, 'freeze', away],
    [doc, 'resume', back],
    [win, 'pagehide', away],
    [win, 'pageshow', back],
  ] as const;
  for (const [target, type, listener] of listeners) target?.addEventListener(type, listener);
  return () => {
    for (const [target, type, listener] of listeners) target?.removeEventListener(type, listener);
  };
}
