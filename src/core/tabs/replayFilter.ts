/** How many event IDs a tab remembers to recognise events a new leader's server replays. */
const HISTORY = 256;

/**
 * The events a new leader's server sends again: a new leader resumes from its own last event ID,
 * which may be older than a follower's, so the follower drops what it already delivered.
 */
export class ReplayFilter {
  /** Last event IDs of the latest events, oldest first. */
  #history: string[] = [];
  /** IDs still expected from the current leader's replay, in order: events this tab had. */
  #skip: string[] = [];

  /** Replayed events are still expected: the leader's last event ID is behind this tab's. */
  get replaying(): boolean {
    return this.#skip.length > 0;
  }

  remember(lastEventId: string): void {
    const history = this.#history;
    history.push(lastEventId);
    if (history.length > HISTORY * 2) history.splice(0, history.length - HISTORY);
  }

  /**
   * A new leader resumed from `from`: whether this tab had that event (else it missed some).
   * `''` for a leader whose replay is not this tab's concern.
   */
  resumeFrom(from: string): boolean {
    const at = from ? this.#history.lastIndexOf(from) : -1;
    this.#skip = at >= 0 ? this.#history.slice(at + 1) : [];
    return at >= 0;
  }

  /** An older leader's event delivered now: the new leader's server will replay it. */
  late(lastEventId: string): void {
    this.#skip.push(lastEventId);
  }

  /** Whether an event of the new leader is one this tab delivered already. */
  replayed(lastEventId: string): boolean {
    const skip = this.#skip;
    if (!skip.length) return false;
    // Some of the replay may not have reached this tab from the new leader: look for the event
    // in all that is expected.
    const at = skip.indexOf(lastEventId);
    if (at >= 0) {
      skip.splice(0, at + 1);
      return true;
    }
    this.#skip = [];
    return false;
  }
}
