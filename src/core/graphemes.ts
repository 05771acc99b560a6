/**
 * Where a streamed text may be cut for display: grapheme cluster starts (user-perceived
 * characters, UAX #29), and among them the points a typewriter reveals at (word ends in scripts
 * written with spaces, every character in scripts written without).
 *
 * A break before a character depends only on the text up to and including that character, so a
 * boundary found before the last character of a growing text stays a boundary whatever arrives
 * next. The end of the text is not one: an accent, a skin tone or the rest of a flag may follow.
 */

interface Segmenter {
  segment(text: string): Iterable<{ index: number }>;
}

const IntlSegmenter = (
  globalThis.Intl as unknown as {
    Segmenter?: new (locale: undefined, options: { granularity: 'grapheme' }) => Segmenter;
  }
).Segmenter;

let segmenter: Segmenter | undefined;

/**
 * Offsets (UTF-16 code units) in `(from, text.length)` where a grapheme cluster starts, given that
 * one starts at `from`. Uses `Intl.Segmenter`; the rare host without it (browsers before 2024)
 * gets {@link codePointStarts}.
 *
 * @example
 * ```ts
 * graphemeStarts('a👍🏽b', 0); // [1, 5]
 * ```
 */
export function graphemeStarts(text: string, from = 0): number[] {
  // Half a character (a high surrogate whose pair has not arrived) is no character yet: cut it
  // off, or it would read as a break before it that its other half removes.
  const last = text.charCodeAt(text.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) text = text.slice(0, -1);
  if (!IntlSegmenter) return codePointStarts(text, from);
  segmenter ??= new IntlSegmenter(undefined, { granularity: 'grapheme' });
  const starts: number[] = [];
  for (const { index } of segmenter.segment(text.slice(from))) {
    if (index > 0) starts.push(from + index);
  }
  return starts;
}

/**
 * Code point starts in `(from, text.length)`: never inside a surrogate pair, but a combining
 * mark, a skin tone or a joined emoji may be shown apart from its base for a frame.
 *
 * @example
 * ```ts
 * codePointStarts('a👍b', 0); // [1, 3]
 * ```
 */
export function codePointStarts(text: string, from = 0): number[] {
  const starts: number[] = [];
  for (let i = from + 1; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xdc00 || unit > 0xdfff) starts.push(i);
  }
  return starts;
}

// Scripts written without spaces between words, revealed one character at a time (ISO 15924
// codes): Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar, Tibetan.
const UNSPACED =
  /[\p{sc=Hani}\p{sc=Hira}\p{sc=Kana}\p{sc=Thai}\p{sc=Laoo}\p{sc=Khmr}\p{sc=Mymr}\p{sc=Tibt}]/u;
const WORD = /[\p{L}\p{M}\p{N}_'\u2019]/u;

/** Whether the character at `index` belongs to a word of a script written with spaces. */
function inSpacedWord(text: string, index: number): boolean {
  const cp = text.codePointAt(index);
  if (cp === undefined) return false;
  const char = String.fromCodePoint(cp);
  return WORD.test(char) && !UNSPACED.test(char);
}

/**
 * Whether a typewriter may stop at grapheme start `index`: anywhere but inside a word of a
 * script written with spaces (so `Hello wor` is never shown), and between any two characters of
 * Chinese, Japanese, Thai and the like.
 *
 * @example
 * ```ts
 * isRevealPoint('Hello world', 5); // true
 * isRevealPoint('Hello world', 8); // false
 * isRevealPoint('你好世界', 1);     // true
 * ```
 */
export function isRevealPoint(text: string, index: number): boolean {
  if (index <= 0 || index >= text.length) return true;
  // The character before `index` starts at index - 1 or index - 2 (a surrogate pair).
  const low = text.charCodeAt(index - 1);
  const before = low >= 0xdc00 && low <= 0xdfff && index >= 2 ? index - 2 : index - 1;
  return !(inSpacedWord(text, before) && inSpacedWord(text, index));
}
