/** Text helpers of the event-stream parser (parse.ts): fast paths and what outlives a chunk. */

export const LF = 10;
export const CR = 13;
export const COLON = 58;
const SPACE = 32;

/**
 * Appends `piece` to `pieces`, the whole being their join with `sep`.
 * A piece under 256 characters is merged with the one before while that one is not more than
 * twice as long, so the pieces are few (each of at least 256, or fewer than 9 small ones), which
 * bounds their overhead (about 40 bytes a piece), and each character is copied at most about 8
 * times. A join of two strings is a flat string, unlike `+`, which builds a rope that takes
 * several times its length in memory. (Merging pieces of up to 1 KiB copied more than it saved:
 * -6% on 1 MiB events in random chunks, strings in. `pieces.length` is tested first: reading
 * index -1 of an empty array is a slow generic lookup, +15% on dashboard events in random
 * chunks with the new arrays of parse().)
 */
export function keep(pieces: string[], piece: string, sep: string): void {
  while (
    piece.length < 256 &&
    pieces.length !== 0 &&
    (pieces[pieces.length - 1] as string).length < 2 * piece.length + 2
  ) {
    piece = [pieces.pop(), piece].join(sep);
  }
  pieces.push(piece);
}

/**
 * A copy of `s` that shares no memory with the text it was cut from (else it keeps it all).
 * Within a chunk, data lines are joined with `+`: a rope, cheap to build, that the consumer
 * flattens once (arrays and join() were 4% slower on multi-line data). But a rope holds tens of
 * bytes a piece, and a slice keeps its whole chunk in memory: neither may outlive the next chunk.
 */
export function own(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

/** The value of a line `s[.., end)` whose first colon is at `colon` (past the end if none). */
export function valueOf(s: string, colon: number, end: number): string {
  // A line ending or the end of `s` follows the line, never a space; slice() gives '' past `end`.
  return s.slice(s.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1, end);
}

/**
 * Fast path: `s` has "data:" at `i`. Data lines, most lines of most streams, skip the general
 * field split (processLine): with blankLine(), +80-100% on LLM token streams and +15% on
 * multi-line data, strings in (A/B runs of the parser bench streams, Node 20).
 */
export function isData(s: string, i: number): boolean {
  return (
    s.charCodeAt(i) === 100 &&
    s.charCodeAt(i + 1) === 97 &&
    s.charCodeAt(i + 2) === 116 &&
    s.charCodeAt(i + 3) === 97 &&
    s.charCodeAt(i + 4) === COLON
  );
}

/**
 * Fast path: `s` has "event" at `i`, compared code by code: a `startsWith()` call costs twice as
 * much (+7% on the CRLF-ended stream of the parser bench, which names every event; strings in).
 */
export function isEvent(s: string, i: number): boolean {
  return (
    s.charCodeAt(i) === 101 &&
    s.charCodeAt(i + 1) === 118 &&
    s.charCodeAt(i + 2) === 101 &&
    s.charCodeAt(i + 3) === 110 &&
    s.charCodeAt(i + 4) === 116
  );
}

/** Fast path: `s` has "id" at `i` (as isEvent()). */
export function isId(s: string, i: number): boolean {
  return s.charCodeAt(i) === 105 && s.charCodeAt(i + 1) === 100;
}

/**
 * Fast path: the length of the blank line (with its ending) at `i`, or 0. A first data line
 * followed by a blank line is a whole event, the shape of most events: it is dispatched without
 * going through the data buffer (+30% on LLM token streams, +10% on dashboard events).
 */
export function blankLine(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c === LF ? 1 : c === CR && s.charCodeAt(i + 1) === LF ? 2 : 0;
}
