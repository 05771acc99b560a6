/**
 * The typewriter's pacing, with no timers and no network: text is pushed as it arrives, and each
 * frame asks how much of it to show. Time is passed in, so tests and benchmarks drive it.
 *
 * The rule (documented in docs/chat.md):
 * - Nothing shown ever ends inside a grapheme cluster. The last grapheme of what arrived is held
 *   until more text arrives or the stream ends, since an accent, a skin tone or the second half
 *   of a flag may still follow.
 * - The speed follows arrivals: what arrived is spread over the expected time to the next
 *   arrival (a moving average of the gaps between arrivals), so a steady stream types steadily
 *   and a burst is not dumped at once.
 * - No character trails its arrival by more than `maxLag` (shown by the frame before the bound),
 *   the held last grapheme aside.
 * - It stops at word ends in scripts written with spaces and at any character in scripts
 *   written without; only the `maxLag` bound may cut a long word.
 */
import { graphemeStarts, isRevealPoint } from './graphemes.js';

/** Default for `maxLag`: the most a character trails its arrival, in milliseconds. */
export const DEFAULT_MAX_LAG = 400;

/** The frame gap assumed before two consecutive frames were seen. */
const FRAME_MS = 16;
/** Arrivals closer than this belong to one network read. */
const SAME_READ_MS = 2;
/** Weight of the newest gap in the moving average of gaps between arrivals. */
const GAP_WEIGHT = 0.3;

export interface TextRevealOptions {
  /** `false`: show what arrived at each frame, unpaced. Default `true`. */
  pace?: boolean;
  /** The most a character trails its arrival, in ms (default {@link DEFAULT_MAX_LAG}). */
  maxLag?: number;
}

/**
 * One reply's reveal state.
 *
 * @example
 * ```ts
 * const reveal = new TextReveal();
 * reveal.push('Hello wor', performance.now());
 * reveal.push('ld, again', performance.now());
 * reveal.frame(performance.now()); // true: something more is shown
 * reveal.shownText;                // 'Hello' or 'Hello world,' ... never 'Hello wo'
 * reveal.end();                    // all of it
 * ```
 */
export class TextReveal {
  readonly pace: boolean;
  readonly maxLag: number;
  /** Everything that arrived. */
  received = '';
  /** Length of the shown prefix of `received`. */
  shown = 0;

  /** Arrival times and the length of `received` after each arrival, oldest first. */
  #arrivedAt: number[] = [];
  #arrivedEnd: number[] = [];
  #head = 0;
  #lastArrival = -Infinity;
  /** Moving average of the gaps between arrivals; 0 until two arrivals were seen. */
  #gap = 0;
  #lastFrame = -Infinity;
  /** The gap between consecutive frames, as last measured. */
  #frameGap = FRAME_MS;
  /** Whether the previous frame left text to show (so frames follow each other). */
  #animating = false;
  /**
   * Where the smooth reveal has got to, in code units: it moves continuously while `shown` only
   * moves from word to word, so small steps add up instead of being lost to the snapping.
   */
  #cursor = 0;
  /** Grapheme starts after `shown` in `received`, valid while `#startsFor` is the text scanned. */
  #starts: number[] = [];
  #startsFor = -1;
  #startsFrom = -1;
  #ended = false;

  constructor(options: TextRevealOptions = {}) {
    this.pace = options.pace !== false;
    this.maxLag = Math.max(FRAME_MS, options.maxLag ?? DEFAULT_MAX_LAG);
  }

  get shownText(): string {
    return this.received.slice(0, this.shown);
  }

  /** Starts from `text`, shown at once (a resumed reply: it was on screen before). */
  restore(text: string): void {
    this.received = text;
    this.shown = text.length;
    this.#cursor = text.length;
  }

  push(token: string, now: number): void {
    if (token === '' || this.#ended) return;
    this.received += token;
    if (now - this.#lastArrival >= SAME_READ_MS && this.#lastArrival > -Infinity) {
      const gap = Math.min(now - this.#lastArrival, this.maxLag);
      this.#gap = this.#gap === 0 ? gap : this.#gap * (1 - GAP_WEIGHT) + gap * GAP_WEIGHT;
    }
    if (now - this.#lastArrival >= SAME_READ_MS || this.#arrivedAt.length === this.#head) {
      this.#arrivedAt.push(now);
      this.#arrivedEnd.push(this.received.length);
    } else {
      this.#arrivedEnd[this.#arrivedEnd.length - 1] = this.received.length;
    }
    this.#lastArrival = Math.max(this.#lastArrival, now);
  }

  /** The end of the stream: everything is shown. */
  end(): void {
    this.#ended = true;
    this.shown = this.received.length;
    this.#cursor = this.shown;
  }

  /** Whether a later frame would show more without anything new arriving. */
  get pending(): boolean {
    return this.shown < this.#safeEnd();
  }

  /** Advances what is shown for a frame at time `now`; true when it changed. */
  frame(now: number): boolean {
    // Time since the previous frame, unless the animation was idle (nothing to show, a hidden
    // tab): then one frame's worth, or the first frame after a pause would show everything.
    const since = now - this.#lastFrame;
    const consecutive = this.#animating && since > 0 && since < 100;
    if (consecutive) this.#frameGap = since;
    const dt = consecutive ? since : this.#frameGap;
    this.#lastFrame = now;
    const changed = this.#advance(now, dt);
    this.#animating = this.pending;
    return changed;
  }

  #advance(now: number, dt: number): boolean {
    const safe = this.#safeEnd();
    if (this.shown >= safe) return false;
    let next: number;
    if (!this.pace) {
      next = safe;
    } else {
      // Everything that would pass `maxLag` before the next frame is shown now.
      const due = this.#dueBy(now + dt - this.maxLag);
      // The rest is spread until the next arrival is expected.
      const finishBy = this.#lastArrival + this.#gap;
      const remaining = finishBy - now;
      const cursor = Math.max(this.#cursor, this.shown);
      this.#cursor = remaining <= dt ? safe : cursor + ((safe - cursor) * dt) / (remaining + dt);
      next = Math.max(
        this.#revealPointAtMost(this.#cursor, safe),
        this.#graphemeAtLeast(due, safe),
      );
    }
    if (next <= this.shown) return false;
    this.shown = next;
    while (this.#head < this.#arrivedEnd.length && this.#arrivedEnd[this.#head]! <= next) {
      this.#head++;
    }
    if (this.#head > 1024) {
      this.#arrivedAt = this.#arrivedAt.slice(this.#head);
      this.#arrivedEnd = this.#arrivedEnd.slice(this.#head);
      this.#head = 0;
    }
    return true;
  }

  /** Grapheme starts after `shown`; the last one starts the held grapheme. */
  #graphemes(): number[] {
    if (this.#startsFor !== this.received.length || this.#startsFrom !== this.shown) {
      this.#starts = graphemeStarts(this.received, this.shown);
      this.#startsFor = this.received.length;
      this.#startsFrom = this.shown;
    }
    return this.#starts;
  }

  /** How far text may be shown now: all of it at the end, else up to its last grapheme. */
  #safeEnd(): number {
    if (this.#ended) return this.received.length;
    const starts = this.#graphemes();
    return starts.length > 0 ? starts[starts.length - 1]! : this.shown;
  }

  /** The length of `received` after every arrival at or before `time`. */
  #dueBy(time: number): number {
    let due = this.shown;
    for (let i = this.#head; i < this.#arrivedAt.length && this.#arrivedAt[i]! <= time; i++) {
      due = this.#arrivedEnd[i]!;
    }
    return due;
  }

  /** The furthest reveal point (word end, or any CJK character) at or before `target`. */
  #revealPointAtMost(target: number, safe: number): number {
    const limit = Math.min(target, safe);
    const starts = this.#graphemes();
    for (let i = starts.length - 1; i >= 0; i--) {
      const start = starts[i]!;
      if (start <= limit && isRevealPoint(this.received, start)) return start;
    }
    return this.shown;
  }

  /** The first grapheme start at or after `target`, at most `safe`. */
  #graphemeAtLeast(target: number, safe: number): number {
    if (target <= this.shown) return this.shown;
    for (const start of this.#graphemes()) if (start >= target) return Math.min(start, safe);
    return safe;
  }
}
