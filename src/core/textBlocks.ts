/**
 * Splits a growing Markdown text into blocks (paragraphs, fenced code, list items, headings) so a
 * renderer memoised per block re-parses only the last one while the text streams.
 *
 * Stable by construction: a split is decided only from complete lines and from a line's first
 * characters once they settle it, so for any prefix of a text, every block but the last is also
 * a block of the whole text. The blocks joined give the text back exactly.
 */

const BLANK = /^[ \t\r]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const HEADING = /^ {0,3}#{1,6}(?:[ \t]|\r?$)/;
/** A heading while its line is still arriving: `#` alone may yet become `#hashtag`. */
const HEADING_SETTLED = /^ {0,3}#{1,6}[ \t]/;
const BULLET = /^[-*+][ \t]+\S/;
const ORDERED = /^(\d{1,9})[.)][ \t]+\S/;
const ITEM_START = /^(?:[-*+]|\d{1,9}[.)])[ \t]/;

type Kind = 'item' | 'fence' | 'heading' | 'other';

/**
 * Block starts in `text` after `from` (itself a block start). `final` says the text is complete,
 * so its last line counts as a whole line.
 */
function scan(text: string, from: number, final: boolean): number[] {
  const starts: number[] = [];
  let blockStart = from;
  let kind: Kind = 'other';
  let fence = '';
  let fenceClosed = false;
  let previousBlank = false;
  for (let pos = from; pos < text.length;) {
    const newline = text.indexOf('\n', pos);
    const complete = newline !== -1 || final;
    const end = newline === -1 ? text.length : newline + 1;
    const line = text.slice(pos, newline === -1 ? text.length : newline);
    const blank = complete && BLANK.test(line);
    // A line still arriving is "settled" once its first non-space character is known.
    const settled = complete || !BLANK.test(line);

    if (pos > blockStart && settled && startsBlock(line, blank, complete)) {
      starts.push(pos);
      blockStart = pos;
    }
    if (pos === blockStart) {
      const opening = FENCE.exec(line);
      kind = opening
        ? 'fence'
        : ITEM_START.test(line)
          ? 'item'
          : HEADING.test(line)
            ? 'heading'
            : 'other';
      fence = opening ? opening[1]! : '';
      fenceClosed = false;
    } else if (kind === 'fence' && !fenceClosed && complete && closesFence(line, fence)) {
      fenceClosed = true;
    }
    previousBlank = blank;
    pos = end;
  }
  return starts;

  function startsBlock(line: string, blank: boolean, complete: boolean): boolean {
    if (kind === 'fence') return fenceClosed && !blank;
    if (blank) return false;
    // An ATX heading is one line.
    if (kind === 'heading') return true;
    if (previousBlank) {
      // An indented line after a blank line continues a list item (a second paragraph, nested code).
      return !(kind === 'item' && (line[0] === ' ' || line[0] === '\t'));
    }
    if (kind === 'item' && (line[0] === ' ' || line[0] === '\t')) return false;
    if (FENCE.test(line) || BULLET.test(line)) return true;
    if ((complete ? HEADING : HEADING_SETTLED).test(line)) return true;
    const ordered = ORDERED.exec(line);
    // Only a list starting at 1 interrupts a paragraph; any number continues a list.
    return ordered !== null && (kind === 'item' || ordered[1] === '1');
  }
}

function closesFence(line: string, fence: string): boolean {
  const trimmed = line.replace(/[ \t\r]+$/, '');
  const match = /^ {0,3}(`{3,}|~{3,})$/.exec(trimmed);
  return match !== null && match[1]![0] === fence[0] && match[1]!.length >= fence.length;
}

/**
 * The blocks of a Markdown text; they join back into the text. While a text is still streaming
 * (`final` false), every block but the last is final: later text never changes it.
 *
 * @example
 * ```ts
 * splitBlocks('# Title\nSome text.\n\n- one\n- two\n');
 * // ['# Title\n', 'Some text.\n\n', '- one\n', '- two\n']
 * ```
 */
export function splitBlocks(text: string, final = true): string[] {
  return new BlockSplitter().update(text, final) as string[];
}

/**
 * {@link splitBlocks} for a text that only grows: each update scans from the start of the last
 * block, so the cost per update is the size of that block, not of the whole text, and the
 * blocks before the last keep their identity.
 */
export class BlockSplitter {
  #text = '';
  #blocks: readonly string[] = [];
  /** Offset where the last block starts. */
  #lastStart = 0;

  /** The blocks of `text`, which must extend the text of the previous call (else it starts over). */
  update(text: string, final: boolean): readonly string[] {
    if (!text.startsWith(this.#text)) this.reset();
    if (text === this.#text && !final) return this.#blocks;
    const kept = this.#blocks.slice(0, -1);
    let previous = this.#lastStart;
    for (const start of scan(text, this.#lastStart, final)) {
      kept.push(text.slice(previous, start));
      previous = start;
    }
    if (previous < text.length) kept.push(text.slice(previous));
    this.#lastStart = previous;
    this.#text = text;
    this.#blocks = kept;
    return kept;
  }

  reset(): void {
    this.#text = '';
    this.#blocks = [];
    this.#lastStart = 0;
  }
}
