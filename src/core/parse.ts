/**
 * A streaming parser for `text/event-stream`, after the WHATWG HTML "event stream interpretation"
 * rules (quoted in comments): https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 * Lines are found with `indexOf` and read in place; what outlives a chunk is kept as a few flat
 * strings (keep() in parseText.ts), so memory stays near the limit on any input.
 */
import { SSEError } from './errors.js';
import type { Parser, ParserCallbacks, ParserOptions } from './parserTypes.js';
import { COLON, LF, blankLine, isData, isEvent, isId, keep, own, valueOf } from './parseText.js';
import { createUtf8Decoder } from './utf8.js';

export type { ParsedEvent, Parser, ParserCallbacks, ParserOptions } from './parserTypes.js';

/** Default for {@link ParserOptions.maxBufferSize}: 4 MiB. */
export const DEFAULT_MAX_BUFFER_SIZE = 4 << 20;
const MAX_LINES = 1024; // past this many, data lines cut from one chunk become one flat string

/**
 * Creates a parser that calls `callbacks` as events complete.
 *
 * Callbacks run synchronously inside `feed()`. If one throws, the exception propagates out of
 * `feed()`; the parser stays consistent and the rest of that chunk is parsed at the next `feed()`
 * (or `end()`). Calling `reset()` or `end()` from a callback drops the rest of the chunk.
 *
 * @example
 * ```ts
 * const parser = createParser({ onEvent: (e) => console.log(e.type, e.data) });
 * parser.feed('event: greet\ndata: hello\n\n'); // logs "greet hello"
 * ```
 */
// longer: the parser's state is this closure's local variables, shared by the short inner
// functions below, so the per-line path never reads or writes it through an object.
export function createParser(callbacks: ParserCallbacks, options: ParserOptions = {}): Parser {
  const limit = options.maxBufferSize ?? -1;
  const max = limit >= 0 ? limit : DEFAULT_MAX_BUFFER_SIZE;
  let utf8 = createUtf8Decoder();
  let start = true; // no text of the stream seen yet: a BOM may come
  let afterCR = false; // the last text ended with CR: a LF first in the next one ends nothing
  let line: string[] = []; // the unfinished line, in pieces (see keep())
  let lineSize = 0;
  // "a data buffer, an event type buffer, and a last event ID buffer". The data buffer, of
  // `dataSize` characters (0: empty), is `kept` pieces of earlier chunks' lines, then `data`, the
  // `fresh` lines cut from this chunk, joined with `+` (see keepData()).
  let kept: string[] = [];
  let data = '';
  let fresh = 0;
  let dataSize = 0;
  let carried = false; // `data` holds lines of the chunk before this one
  let type = '';
  let id = '';
  let lastId = ''; // the last event ID string as last reported
  let leftover = ''; // text not parsed yet: a callback threw, or fed more text
  let busy = false; // parsing: feed() from a callback only queues its text
  let failed = false; // a buffer overflowed: input is ignored until reset()
  let epoch = 0; // bumped by reset()/end()/overflow, so a running loop notices and stops

  function clear(): void {
    epoch++;
    line = [];
    kept = [];
    lineSize = dataSize = fresh = 0;
    type = leftover = data = '';
    afterCR = carried = false;
    utf8 = createUtf8Decoder();
  }

  function overflow(): void {
    clear();
    failed = true;
    callbacks.onError?.(
      new SSEError('parse', `maxBufferSize ${max} exceeded`, { code: 'buffer-overflow' }),
    );
  }

  /** "Dispatch the event", with `value` the data buffer minus its last LF (or null: empty). */
  function dispatch(value: string | null): void {
    // "Initialize event's type attribute to "message", its data attribute to data, [...] If the
    // event type buffer has a value other than the empty string, change the type of the newly
    // created event to equal the value of the event type buffer."
    const event = value === null ? null : { type: type || 'message', data: value, lastEventId: id };
    // "Set the data buffer and the event type buffer to the empty string."
    type = '';
    // "Set the last event ID string of the event source to the value of the last event ID
    // buffer. The buffer does not get reset." (Only for a listener: +4% with ids on all events.)
    if (callbacks.onLastEventId && id !== lastId) callbacks.onLastEventId((lastId = id));
    if (event !== null) callbacks.onEvent(event);
  }

  /** The data buffer without its last LF, emptied. */
  function takeData(): string {
    let value = data;
    if (kept.length !== 0) {
      if (fresh !== 0) kept.push(data);
      value = kept.join('\n');
      kept = [];
    }
    data = '';
    dataSize = fresh = 0;
    carried = false;
    return value;
  }

  /** "Append the field value to the data buffer, then append a single U+000A LINE FEED (LF)" */
  function addData(value: string): void {
    dataSize += value.length + 1;
    data = fresh++ === 0 ? value : data + '\n' + value;
    if (fresh > MAX_LINES) keepData();
  }

  /** Makes the lines cut from the last chunks one flat piece of their own (see own()). */
  function keepData(): void {
    if (fresh !== 0) keep(kept, own(data), '\n');
    data = '';
    fresh = 0;
  }

  /** Handles a line, `s[from, end)`, that is not blank. */
  function processLine(s: string, from: number, end: number): void {
    // "If the line starts with a U+003A COLON character (:): Ignore the line."
    if (s.charCodeAt(from) === COLON) return void callbacks.onComment?.(s.slice(from + 1, end));
    // "If the line contains a U+003A COLON character (:): Collect the characters on the line
    // before the first U+003A COLON character (:), and let field be that string. [...] after
    // the first U+003A COLON character (:), and let value be that string. If value starts with a
    // U+0020 SPACE character, remove it from value." Otherwise "the whole line as the field
    // name, and the empty string as the field value." Names are compared in place, uncopied.
    let colon = from;
    while (colon < end && s.charCodeAt(colon) !== COLON) colon++;
    const value = valueOf(s, colon, end);
    const n = colon - from;
    // "If the field name is "data": Append the field value to the data buffer [...]"
    if (n === 4 && s.startsWith('data', from)) addData(value);
    // "If the field name is "event": Set the event type buffer to the field value."
    else if (n === 5 && isEvent(s, from)) type = value;
    // "If the field name is "id": If the field value does not contain U+0000 NULL, then set the
    // last event ID buffer to the field value. Otherwise, ignore the field."
    else if (n === 2 && isId(s, from)) id = value.indexOf('\0') < 0 ? value : id;
    // "If the field name is "retry": If the field value consists of only ASCII digits, then
    // interpret the field value as an integer in base ten, and set the event stream's
    // reconnection time to that integer. Otherwise, ignore the field."
    else if (n === 5 && s.startsWith('retry', from) && /^[0-9]+$/.test(value)) {
      callbacks.onRetry?.(+value);
    }
    // "Otherwise: The field is ignored."
  }

  /** Splits text into lines and handles them. */
  function parse(s: string): void {
    const len = s.length;
    let pos = 0;
    // "The UTF-8 decode algorithm strips one leading UTF-8 Byte Order Mark (BOM), if any." (On
    // text: for text input too.)
    if (start && ((start = false), s.charCodeAt(0) === 0xfeff)) pos = 1;
    // A CR ending the last text already ended its line: "a U+000D CARRIAGE RETURN U+000A LINE
    // FEED (CRLF) character pair" is one line ending.
    if (afterCR && ((afterCR = false), s.charCodeAt(pos) === LF)) pos++;
    const myEpoch = epoch;
    let next = pos; // where the line after the current one starts
    try {
      // "Lines must be separated by either a U+000D CARRIAGE RETURN U+000A LINE FEED (CRLF)
      // character pair, a single U+000A LINE FEED (LF) character, or a single U+000D CARRIAGE
      // RETURN (CR) character."
      let lf = s.indexOf('\n', pos);
      let cr = s.indexOf('\r', pos);
      for (;;) {
        let end = lf;
        if (lf !== -1 && (cr === -1 || lf < cr)) next = lf + 1;
        else if (cr === -1) break;
        else if (s.charCodeAt((next = (end = cr) + 1)) === LF) next++;
        else if (next === len) afterCR = true;
        let t = s; // the line is s[pos, end), or t[from, to) when earlier text began it
        let from = pos;
        let to = end;
        if (lineSize !== 0) {
          line.push(s.slice(pos, end));
          t = line.join('');
          line = []; // a new array: `length = 0` is a runtime call, several times the cost
          from = lineSize = 0;
          to = t.length;
        }
        if (to - from + dataSize > max) return overflow();
        if (to === from) {
          dispatch(dataSize === 0 ? null : takeData());
        } else if (isData(t, from)) {
          const value = valueOf(t, from + 4, to);
          const blank = dataSize === 0 ? blankLine(s, next) : 0;
          next += blank;
          if (blank === 0) addData(value);
          else dispatch(value);
        } else {
          processLine(t, from, to);
        }
        if (epoch !== myEpoch) return;
        pos = next;
        if (lf !== -1 && lf < pos) lf = s.indexOf('\n', pos);
        if (cr !== -1 && cr < pos) cr = s.indexOf('\r', pos);
      }
      if (pos < len) {
        lineSize += len - pos; // a slice keeps its chunk alive: one chunk, until the line ends
        keep(line, pos === 0 ? s : s.slice(pos), '');
      }
      // An unfinished event mostly ends in the next chunk: its lines stay slices until that one
      // ends (+5% on multi-line data in random chunks, strings in); then they are copied.
      if (fresh !== 0 && !(carried = !carried)) keepData();
      if (lineSize + dataSize > max) overflow();
    } catch (error) {
      // A callback threw: keep the unhandled rest (before any text that callbacks fed meanwhile).
      if (epoch === myEpoch) leftover = s.slice(next) + leftover;
      throw error;
    }
  }

  /** Parses the text waiting in `leftover`, and whatever callbacks feed meanwhile. */
  function run(): void {
    busy = true;
    try {
      while (leftover !== '' && !failed) {
        const text = leftover;
        leftover = '';
        parse(text);
      }
    } finally {
      busy = false;
    }
  }

  return {
    feed(chunk) {
      if (failed) return;
      // Text fed from a callback is parsed after the rest of the current chunk, in order.
      leftover += typeof chunk === 'string' ? utf8.flush() + chunk : utf8.decode(chunk);
      if (!busy) run();
    },
    end() {
      // Parse what a throwing callback left behind (from a callback: the rest is dropped). Bytes
      // of an unfinished character could only extend the unterminated line: discarded anyway.
      if (!busy) run();
      // "Once the end of the file is reached, any pending data must be discarded. (If the file
      // ends in the middle of an event, before the final empty line, the incomplete event is
      // not dispatched.)"
      clear();
    },
    reset(lastEventId = '') {
      clear();
      failed = false;
      start = true;
      // "When a stream is parsed, a data buffer, an event type buffer, and a last event ID
      // buffer must be associated with it. They must be initialized to the empty string."
      id = lastId = lastEventId;
    },
  };
}
