/**
 * A streaming parser for `text/event-stream`, following the WHATWG HTML "event stream
 * interpretation" rules: https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 *
 * Quotes in comments are from that section.
 *
 * Performance notes: lines are found with `indexOf` on the decoded chunk and handled in place
 * (start/end indices), so a complete line costs one `slice` for its value and nothing more; the
 * usual one-line event (`data: ...` and a blank line) is dispatched straight from the loop. A line
 * split across chunks is concatenated piece by piece (constant time per piece) and copied once,
 * when its end arrives; data lines are joined once at dispatch. So one huge event fed in many
 * small chunks costs linear time.
 * Bytes are decoded a chunk at a time, whole UTF-8 sequences only: an unfinished sequence at the
 * end of a chunk is held back and put in front of the next chunk. That lets the decoder run in
 * one-shot mode, several times faster than streaming mode in some engines (Node).
 */
import { SSEError } from './errors.js';

/** One dispatched event. */
export interface ParsedEvent {
  /** The `event` field, or `'message'` when there was none (or it was empty). */
  type: string;
  /** The `data` lines joined with LF. */
  data: string;
  /** The last event ID string at dispatch time. */
  lastEventId: string;
}

/** What the parser reports. Only `onEvent` is required. */
export interface ParserCallbacks {
  /** A complete event with data. `type` is `'message'` when no `event` field was given. */
  onEvent(event: ParsedEvent): void;
  /** A valid `retry` field: the reconnection time in milliseconds. */
  onRetry?(ms: number): void;
  /** A comment line: the text after the `:`, exactly as sent (a leading space is kept). */
  onComment?(comment: string): void;
  /**
   * The last event ID string changed: called at dispatch time (on a blank line), before
   * `onEvent`, also when the event has no data and is not dispatched. "Changed" compares with the
   * value last reported, initially the empty string (or the value given to `reset()`).
   */
  onLastEventId?(id: string): void;
  /** The stream could not be parsed (`code: 'buffer-overflow'`). Input is ignored until `reset()`. */
  onError?(error: SSEError): void;
}

/** Parser limits. */
export interface ParserOptions {
  /**
   * The most characters the parser keeps for one event: the pending (unterminated) line plus the
   * data buffer. Beyond it, `onError` gets a `buffer-overflow` error. Default 32 MiB of characters.
   */
  maxBufferSize?: number;
}

/** A push parser for one stream at a time. */
export interface Parser {
  /** Parses more of the stream: text, or UTF-8 bytes (invalid bytes become U+FFFD). */
  feed(chunk: string | Uint8Array): void;
  /** End of stream: an unterminated final line and an undispatched event are discarded. */
  end(): void;
  /**
   * Starts a new stream: clears every buffer, the UTF-8 decoder and the byte order mark state,
   * and sets the last event ID buffer to `lastEventId` (default: the empty string, as the spec
   * initializes it). Passing the event source's current last event ID string keeps it for the
   * new stream's events until the server sends an `id` (what browsers do on reconnection).
   */
  reset(lastEventId?: string): void;
}

const LF = 10;
const SPACE = 32;
const COLON = 58;
const BOM = 0xfeff;
// Non-ASCII chunks longer than SPLIT bytes are decoded PIECE bytes at a time (see decodeWhole).
const SPLIT = 8192;
const PIECE = 2048;

// Decoding is one-shot (whole UTF-8 sequences only), so one decoder with no state between calls
// serves every parser. It keeps a U+FEFF (ignoreBOM): the parser strips the BOM itself, once.
let sharedDecoder: TextDecoder | undefined;
const utf8 = (): TextDecoder => (sharedDecoder ??= new TextDecoder('utf-8', { ignoreBOM: true }));

/** Default for {@link ParserOptions.maxBufferSize}: 32 MiB of characters. */
export const DEFAULT_MAX_BUFFER_SIZE = 32 * 1024 * 1024;

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
export function createParser(callbacks: ParserCallbacks, options: ParserOptions = {}): Parser {
  const requested = options.maxBufferSize;
  const maxBufferSize =
    requested !== undefined && requested >= 0 ? requested : DEFAULT_MAX_BUFFER_SIZE;

  // UTF-8 decoding: whole sequences only, plus up to 3 held-back bytes of an unfinished one.
  let wide = false; // the last chunk decoded was not all ASCII
  let carry: Uint8Array | null = null;

  // Line splitting.
  let atStart = true; // no character of the stream seen yet (BOM check pending)
  let afterCR = false; // the last chunk ended with CR: a leading LF in the next one ends nothing
  // The pending, unterminated line. Pieces are appended with `+`, which V8 and other engines do
  // in constant time (a rope), so a huge line over many chunks is still copied only once, when
  // its end arrives and it is read.
  let line = '';
  let leftover: string | null = null; // text not parsed yet: a callback threw, or fed more
  let busy = false; // parsing: feed() from a callback only queues its text

  // The three buffers of the spec.
  let data = ''; // the first data line
  const dataParts: string[] = []; // all data lines, once there are two or more
  let dataLines = 0; // 0: "the data buffer is an empty string"
  let dataLength = 0;
  let eventType = '';
  const types: string[] = []; // see knownType()
  let idBuffer = '';
  let lastIdString = ''; // the last event ID string as last reported
  let idChanged = false; // idBuffer !== lastIdString

  let failed = false; // a buffer overflowed: ignore input until reset()
  let epoch = 0; // bumped by reset()/end()/overflow, so a running loop notices and stops

  function overflow(): void {
    failed = true;
    epoch++;
    clearEvent();
    line = '';
    leftover = null;
    carry = null;
    callbacks.onError?.(
      new SSEError(
        'parse',
        `A line or event exceeded maxBufferSize (${maxBufferSize} characters); input is ignored until reset`,
        { code: 'buffer-overflow' },
      ),
    );
  }

  function clearEvent(): void {
    data = '';
    dataParts.length = 0;
    dataLines = 0;
    dataLength = 0;
    eventType = '';
  }

  /** "Dispatch the event" (on a blank line). */
  function dispatch(): void {
    let event: ParsedEvent | null = null;
    if (dataLines !== 0) {
      // "If the data buffer's last character is a U+000A LINE FEED (LF) character, then remove
      // the last character from the data buffer." (We join lines instead of appending LFs.)
      // "Initialize event's type attribute to the value of the event type buffer [...] if the
      // event type buffer has a value other than the empty string", else "message".
      event = {
        type: eventType === '' ? 'message' : eventType,
        data: dataLines === 1 ? data : dataParts.join('\n'),
        lastEventId: idBuffer,
      };
      // "Set the data buffer and the event type buffer to the empty string."
      data = '';
      if (dataLines !== 1) dataParts.length = 0;
      dataLines = 0;
      dataLength = 0;
    }
    // "If the data buffer is an empty string, set the data buffer and the event type buffer to
    // the empty string and return."
    eventType = '';
    // "Set the last event ID string of the event source to the value of the last event ID
    // buffer. The buffer does not get reset."
    if (idChanged) {
      idChanged = false;
      lastIdString = idBuffer;
      callbacks.onLastEventId?.(idBuffer);
    }
    if (event !== null) callbacks.onEvent(event);
  }

  /** "append the field value to the data buffer, then append a single U+000A LINE FEED (LF)" */
  function appendData(value: string): void {
    if (dataLines === 0) {
      data = value;
      dataLength = value.length;
    } else {
      if (dataLines === 1) dataParts.push(data);
      dataParts.push(value);
      dataLength += value.length + 1;
    }
    dataLines++;
    if (dataLength > maxBufferSize) overflow();
  }

  /** "process the field" for the general case. */
  function processField(field: string, value: string): void {
    switch (field) {
      case 'data':
        appendData(value);
        break;
      case 'event':
        // "Set the event type buffer to the field value."
        eventType = knownType(value, 0, value.length);
        break;
      case 'id':
        // "If the field value does not contain U+0000 NULL, then set the last event ID buffer
        // to the field value. Otherwise, ignore the field."
        setId(value, 0, value.length);
        break;
      case 'retry':
        // "If the field value consists of only ASCII digits, then interpret the field value as
        // an integer in base ten, and set the event stream's reconnection time to that integer.
        // Otherwise, ignore the field."
        if (isAsciiDigits(value)) callbacks.onRetry?.(parseInt(value, 10));
        break;
      default:
      // "Otherwise: The field is ignored."
    }
  }

  /**
   * `s[start, end)` as the first string seen equal to it (among a few): a stream repeats a
   * handful of event types, and handing out one string per type saves a copy per event and lets
   * every map keyed by type downstream hash it once instead of once per event.
   */
  function knownType(s: string, start: number, end: number): string {
    const n = end - start;
    // Types are short: comparing in place beats a call to startsWith.
    next: for (let i = 0; i < types.length; i++) {
      const type = types[i] as string;
      if (type.length !== n) continue;
      for (let j = 0; j < n; j++) if (type.charCodeAt(j) !== s.charCodeAt(start + j)) continue next;
      return type;
    }
    const type = s.slice(start, end);
    if (types.length < 16) types.push(type);
    return type;
  }

  /** Sets the last event ID buffer to `s[start, end)` unless it contains U+0000. */
  function setId(s: string, start: number, end: number): void {
    // Ids are short: a loop beats a call to indexOf, and a rejected id is never copied.
    for (let i = start; i < end; i++) if (s.charCodeAt(i) === 0) return;
    const value = s.slice(start, end);
    idBuffer = value;
    idChanged = value !== lastIdString;
  }

  /** Handles the line `s[start, end)`. */
  function processLine(s: string, start: number, end: number): void {
    // "If the line is empty (a blank line): Dispatch the event."
    if (start === end) {
      dispatch();
      return;
    }
    // Characters past `end` are the line ending (CR or LF) or past the string (NaN), so the
    // prefix checks below cannot match beyond the line.
    const c = s.charCodeAt(start);
    // Fast paths for "data:", "event:" and "id:" (same result as the general case below).
    if (
      c === 100 /* d */ &&
      s.charCodeAt(start + 1) === 97 /* a */ &&
      s.charCodeAt(start + 2) === 116 /* t */ &&
      s.charCodeAt(start + 3) === 97 /* a */ &&
      s.charCodeAt(start + 4) === COLON
    ) {
      appendData(s.slice(s.charCodeAt(start + 5) === SPACE ? start + 6 : start + 5, end));
      return;
    }
    if (
      c === 101 /* e */ &&
      s.charCodeAt(start + 1) === 118 /* v */ &&
      s.charCodeAt(start + 2) === 101 /* e */ &&
      s.charCodeAt(start + 3) === 110 /* n */ &&
      s.charCodeAt(start + 4) === 116 /* t */ &&
      s.charCodeAt(start + 5) === COLON
    ) {
      eventType = knownType(s, s.charCodeAt(start + 6) === SPACE ? start + 7 : start + 6, end);
      return;
    }
    if (
      c === 105 /* i */ &&
      s.charCodeAt(start + 1) === 100 /* d */ &&
      s.charCodeAt(start + 2) === COLON
    ) {
      setId(s, s.charCodeAt(start + 3) === SPACE ? start + 4 : start + 3, end);
      return;
    }
    // "If the line starts with a U+003A COLON character (:): Ignore the line."
    if (c === COLON) {
      callbacks.onComment?.(s.slice(start + 1, end));
      return;
    }
    // "If the line contains a U+003A COLON character (:): Collect the characters on the line
    // before the first U+003A COLON character (:), and let field be that string."
    let colon = start + 1;
    while (colon < end && s.charCodeAt(colon) !== COLON) colon++;
    if (colon < end) {
      // "Collect the characters on the line after the first U+003A COLON character (:), and let
      // value be that string. If value starts with a U+0020 SPACE character, remove it."
      let valueStart = colon + 1;
      if (valueStart < end && s.charCodeAt(valueStart) === SPACE) valueStart++;
      processField(s.slice(start, colon), s.slice(valueStart, end));
    } else {
      // "Otherwise, the string is not empty but does not contain a U+003A COLON character (:):
      // Process the field using [...] the whole line as the field name, and the empty string as
      // the field value."
      processField(s.slice(start, end), '');
    }
  }

  /** Splits decoded text into lines and processes them. */
  function processText(s: string): void {
    const len = s.length;
    let pos = 0;
    if (atStart) {
      // "The UTF-8 decode algorithm strips one leading UTF-8 Byte Order Mark (BOM), if any."
      // Done here, on text, so that it holds for text input too and happens exactly once.
      atStart = false;
      if (s.charCodeAt(0) === BOM) pos = 1;
    }
    if (afterCR) {
      // A CR at the end of the previous chunk already ended its line; "a U+000D CARRIAGE
      // RETURN U+000A LINE FEED (CRLF) character pair" is one line ending.
      afterCR = false;
      if (s.charCodeAt(pos) === LF) pos++;
    }
    const myEpoch = epoch;
    let resume = pos; // where parsing continues if a callback throws
    try {
      // "Lines must be separated by either a U+000D CARRIAGE RETURN U+000A LINE FEED (CRLF)
      // character pair, a single U+000A LINE FEED (LF) character, or a single U+000D CARRIAGE
      // RETURN (CR) character."
      let lf = s.indexOf('\n', pos);
      let cr = s.indexOf('\r', pos);

      // The end of a line that earlier chunks began, and chunks with CR line endings, take the
      // general path; what is left of a chunk with LF endings only goes on in the fast loop.
      while (line !== '' || cr !== -1) {
        let end: number;
        if (lf !== -1 && (cr === -1 || lf < cr)) {
          end = lf;
          resume = lf + 1;
        } else if (cr !== -1) {
          end = cr;
          if (cr + 1 === len) {
            // A lone CR at the end of the chunk ends the line now; a LF that may start the
            // next chunk is skipped then.
            resume = len;
            afterCR = true;
          } else {
            resume = s.charCodeAt(cr + 1) === LF ? cr + 2 : cr + 1;
          }
        } else {
          break;
        }
        if (line !== '') {
          const whole = line + s.slice(pos, end);
          line = '';
          processLine(whole, 0, whole.length);
        } else {
          processLine(s, pos, end);
        }
        if (epoch !== myEpoch) return;
        pos = resume;
        if (lf !== -1 && lf < pos) lf = s.indexOf('\n', pos);
        if (cr !== -1 && cr < pos) cr = s.indexOf('\r', pos);
      }

      // Only LF line endings from here on (or none at all).
      while (lf !== -1) {
        if (
          dataLines === 0 &&
          s.charCodeAt(lf + 1) === LF &&
          s.charCodeAt(pos) === 100 /* d */ &&
          s.charCodeAt(pos + 1) === 97 /* a */ &&
          s.charCodeAt(pos + 2) === 116 /* t */ &&
          s.charCodeAt(pos + 3) === 97 /* a */ &&
          s.charCodeAt(pos + 4) === COLON
        ) {
          // Fast path for a whole one-line event, "data: value" and a blank line (the shape
          // of token streams): the same steps as appendData() then dispatch().
          const value = s.slice(s.charCodeAt(pos + 5) === SPACE ? pos + 6 : pos + 5, lf);
          if (value.length > maxBufferSize) {
            overflow();
            return;
          }
          resume = lf + 2;
          const event: ParsedEvent = {
            type: eventType === '' ? 'message' : eventType,
            data: value,
            lastEventId: idBuffer,
          };
          eventType = '';
          if (idChanged) {
            idChanged = false;
            lastIdString = idBuffer;
            callbacks.onLastEventId?.(idBuffer);
          }
          callbacks.onEvent(event);
        } else {
          resume = lf + 1;
          processLine(s, pos, lf);
        }
        if (epoch !== myEpoch) return;
        pos = resume;
        lf = s.indexOf('\n', pos);
      }

      if (pos < len) {
        // An unterminated line: keep it (after what earlier chunks gave of it) until it ends.
        line += pos === 0 ? s : s.slice(pos);
        if (line.length + dataLength > maxBufferSize) overflow();
      }
    } catch (error) {
      // A callback threw. Everything before `resume` has been handled; keep the rest (before
      // any text that callbacks fed meanwhile).
      if (epoch === myEpoch && resume < len) {
        leftover = leftover === null ? s.slice(resume) : s.slice(resume) + leftover;
      }
      throw error;
    }
  }

  /** Decodes bytes, holding back an incomplete UTF-8 sequence at the end. */
  function decode(bytes: Uint8Array): string {
    if (carry !== null) {
      const joined = new Uint8Array(carry.length + bytes.length);
      joined.set(carry);
      joined.set(bytes, carry.length);
      bytes = joined;
      carry = null;
    }
    let n = bytes.length;
    if (!wide && n !== 0) {
      // Mostly ASCII so far: decode first, and look at the bytes only if the text ends in
      // U+FFFD, as an unfinished sequence would make it end.
      const text = utf8().decode(bytes);
      if (text.charCodeAt(text.length - 1) !== 0xfffd) return note(text, n);
    }
    if (n !== 0 && (bytes[n - 1] as number) >= 0x80) {
      // Cutting the input just before a byte that is not a continuation byte (10xxxxxx) never
      // changes what a UTF-8 decoder outputs (an unfinished sequence ends in U+FFFD either way).
      // So look back at most 3 bytes for a lead byte whose sequence is not complete yet.
      let i = n - 1;
      while (i > 0 && n - i < 4 && ((bytes[i] as number) & 0xc0) === 0x80) i--;
      const lead = bytes[i] as number;
      if (lead >= 0xc0 && n - i < (lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2)) {
        carry = bytes.slice(i);
        n = i;
      }
    }
    return n === 0 ? '' : decodeWhole(n === bytes.length ? bytes : bytes.subarray(0, n));
  }

  /** Decodes bytes that end on a character boundary (or in an invalid sequence). */
  function decodeWhole(bytes: Uint8Array): string {
    // Some engines (Node) decode ASCII fastest in one call, but long runs of text
    // with other characters fastest in pieces of a few KB, each cut before a byte that is not a
    // continuation byte, which (as above) never changes the decoded text.
    const decoder = utf8();
    const n = bytes.length;
    if (!wide || n <= SPLIT) return note(decoder.decode(bytes), n);
    let text = '';
    for (let start = 0; start < n;) {
      let end = start + PIECE;
      if (end >= n) end = n;
      else {
        // Back up to a lead byte (at most 3 continuation bytes); past that, byte `end` is a
        // stray continuation byte and cutting before it is safe too.
        let lead = end;
        while (lead > end - 3 && ((bytes[lead] as number) & 0xc0) === 0x80) lead--;
        if (((bytes[lead] as number) & 0xc0) !== 0x80) end = lead;
      }
      text += decoder.decode(bytes.subarray(start, end));
      start = end;
    }
    return note(text, n);
  }

  /** Remembers whether the last chunk was all ASCII, which picks how the next is decoded. */
  function note(text: string, bytes: number): string {
    wide = text.length !== bytes;
    return text;
  }

  /** Decodes held-back bytes of an unfinished sequence (they become U+FFFD). */
  function flushCarry(): string {
    if (carry === null) return '';
    const bytes = carry;
    carry = null;
    return utf8().decode(bytes);
  }

  function feed(chunk: string | Uint8Array): void {
    if (failed) return;
    const text =
      typeof chunk === 'string' ? (carry === null ? chunk : flushCarry() + chunk) : decode(chunk);
    if (busy) {
      // Fed from a callback: parsed after the rest of the current chunk, in order.
      leftover = leftover === null ? text : leftover + text;
      return;
    }
    parse(text);
  }

  /** Parses `text` after any text left over, and whatever callbacks feed meanwhile. */
  function parse(text: string): void {
    if (leftover !== null) {
      text = leftover + text;
      leftover = null;
    }
    const wasBusy = busy;
    busy = true;
    try {
      while (text.length !== 0) {
        processText(text);
        if (leftover === null) break;
        text = leftover;
        leftover = null;
      }
    } finally {
      busy = wasBusy;
    }
  }

  function end(): void {
    if (!failed) {
      // Parse what a throwing callback left behind (unless called from a callback: then the
      // rest of the chunk is dropped). The decoder's held-back bytes (U+FFFD when flushed) could
      // only extend the unterminated last line, which is discarded anyway.
      carry = null;
      if (leftover !== null && !busy) parse('');
    }
    // "Once the end of the file is reached, any pending data must be discarded. (If the file
    // ends in the middle of an event, before the final empty line, the incomplete event is not
    // dispatched.)"
    epoch++;
    carry = null;
    leftover = null;
    line = '';
    afterCR = false;
    clearEvent();
  }

  function reset(lastEventId = ''): void {
    epoch++;
    failed = false;
    carry = null;
    wide = false;
    leftover = null;
    atStart = true;
    afterCR = false;
    line = '';
    clearEvent();
    // "When a stream is parsed, a data buffer, an event type buffer, and a last event ID buffer
    // must be associated with it. They must be initialized to the empty string."
    idBuffer = lastEventId;
    lastIdString = lastEventId;
    idChanged = false;
  }

  return { feed, end, reset };
}

function isAsciiDigits(value: string): boolean {
  const n = value.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
