/**
 * The events a new leader's server sends again: a new leader resumes from its own last event ID,
 * which may be older than a follower's, so the follower drops what it already delivered. A tab
 * keeps the IDs of its latest events (its history) and, while a replay is expected, the IDs
 * still to come in it (the skip list).
 */

/** How many event IDs a tab remembers to recognise events a new leader's server replays. */
const HISTORY = 256;

export function remember(history: string[], lastEventId: string): void {
  history.push(lastEventId);
  if (history.length > HISTORY * 2) history.splice(0, history.length - HISTORY);
}

/**
 * The skip list for a new leader that resumed from `from`, or null when this tab's history does
 * not hold that event (it missed some).
 */
export function replayAfter(history: string[], from: string): string[] | null {
  const at = from ? history.lastIndexOf(from) : -1;
  return at >= 0 ? history.slice(at + 1) : null;
}

/**
 * Whether an event of the new leader is one this tab delivered already; takes it and the ones
 * before it off `skip`. Some of the replay may not have reached this tab from the new leader, so
 * the event is looked for in all that is expected; one that is not there ends the replay.
 */
export function replayed(skip: string[], lastEventId: string): boolean {
  if (!skip.length) return false;
  const at = skip.indexOf(lastEventId);
  skip.splice(0, at >= 0 ? at + 1 : skip.length);
  return at >= 0;
}
