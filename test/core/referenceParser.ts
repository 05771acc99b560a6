/**
 * A reference event-stream parser, written straight from the WHATWG HTML text ("Parsing an event
 * stream" and "Interpreting an event stream",
 * https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation),
 * for the differential test of `createParser`. It reads a whole stream at once and favours being
 * obviously right over being fast: no streaming, no fast paths.
 *
 * Beyond the spec it reports what `createParser` reports: comments (the text after the colon),
 * the last event ID string when it changes at dispatch, and the `maxBufferSize` overflow.
 */

export type Entry =
  | ['event', string, string, string] // type, data, lastEventId
  | ['retry', number]
  | ['comment', string]
  | ['id', string]
  | ['error', string | undefined];

export interface ReferenceOptions {
  /** The parser's limit: a line longer than this minus the data buffer's length overflows. */
  maxBufferSize?: number;
  /** The last event ID buffer at the start of the stream (what `reset(id)` sets). */
  lastEventId?: string;
}

/** Parses a whole stream given as UTF-8 bytes or as text; returns what a parser must report. */
export function referenceParse(
  input: Uint8Array | string,
  options: ReferenceOptions = {},
): Entry[] {
  // "The stream must then be parsed by reading everything line by line [...] Streams must be
  // decoded using the UTF-8 decode algorithm." UTF-8 decode strips one leading BOM and turns
  // invalid bytes into U+FFFD, which is what TextDecoder('utf-8') does by default. Text input
  // is taken as already decoded, with the leading BOM stripped just the same.
  let text = typeof input === 'string' ? input : new TextDecoder('utf-8').decode(input);
  if (typeof input === 'string' && text.startsWith('\uFEFF')) text = text.slice(1);

  // "Lines must be separated by either a U+000D CARRIAGE RETURN U+000A LINE FEED (CRLF)
  // character pair, a single U+000A LINE FEED (LF) character, or a single U+000D CARRIAGE
  // RETURN (CR) character." A final line without an end is not a line: "Once the end of the
  // file is reached, any pending data must be discarded."
  const lines: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\r' || c === '\n') {
      lines.push(current);
      current = '';
      if (c === '\r' && text[i + 1] === '\n') i++;
    } else {
      current += c;
    }
  }
  const unterminated = current;

  const log: Entry[] = [];
  const max = options.maxBufferSize ?? Infinity;
  // "When a stream is parsed, a data buffer, an event type buffer, and a last event ID buffer
  // must be associated with it. They must be initialized to the empty string."
  let data = '';
  let eventType = '';
  let lastEventIdBuffer = options.lastEventId ?? '';
  let lastEventIdString = lastEventIdBuffer;

  for (const line of lines) {
    if (line.length + data.length > max) {
      log.push(['error', 'buffer-overflow']);
      return log;
    }
    if (line === '') {
      // "If the line is empty (a blank line): Dispatch the event, as defined below."
      // "1. Set the last event ID string of the event source to the value of the last event
      // ID buffer. The buffer does not get reset."
      if (lastEventIdString !== lastEventIdBuffer) log.push(['id', lastEventIdBuffer]);
      lastEventIdString = lastEventIdBuffer;
      // "2. If the data buffer is an empty string, set the data buffer and the event type
      // buffer to the empty string and return."
      if (data === '') {
        eventType = '';
        continue;
      }
      // "3. If the data buffer's last character is a U+000A LINE FEED (LF) character, then
      // remove the last character from the data buffer."
      if (data.endsWith('\n')) data = data.slice(0, -1);
      // "5. Initialize event's type attribute to "message", its data attribute to data, [...]
      // its lastEventId attribute to the last event ID string of the event source.
      // 6. If the event type buffer has a value other than the empty string, change the type
      // of the newly created event to equal the value of the event type buffer."
      log.push(['event', eventType === '' ? 'message' : eventType, data, lastEventIdString]);
      // "7. Set the data buffer and the event type buffer to the empty string."
      data = '';
      eventType = '';
    } else if (line.startsWith(':')) {
      // "If the line starts with a U+003A COLON character (:): Ignore the line."
      log.push(['comment', line.slice(1)]);
    } else {
      let field: string;
      let value: string;
      const colon = line.indexOf(':');
      if (colon !== -1) {
        // "Collect the characters on the line before the first U+003A COLON character (:),
        // and let field be that string. Collect the characters on the line after the first
        // U+003A COLON character (:), and let value be that string. If value starts with a
        // U+0020 SPACE character, remove it from value."
        field = line.slice(0, colon);
        value = line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
      } else {
        // "using the whole line as the field name, and the empty string as the field value."
        field = line;
        value = '';
      }
      if (field === 'event') {
        // "Set the event type buffer to the field value."
        eventType = value;
      } else if (field === 'data') {
        // "Append the field value to the data buffer, then append a single U+000A LINE FEED
        // (LF) character to the data buffer."
        data += value + '\n';
      } else if (field === 'id') {
        // "If the field value does not contain U+0000 NULL, then set the last event ID buffer
        // to the field value. Otherwise, ignore the field."
        if (!value.includes('\u0000')) lastEventIdBuffer = value;
      } else if (field === 'retry') {
        // "If the field value consists of only ASCII digits, then interpret the field value as
        // an integer in base ten, and set the event stream's reconnection time to that
        // integer. Otherwise, ignore the field."
        if (/^[0-9]+$/.test(value)) log.push(['retry', parseInt(value, 10)]);
      }
      // "Otherwise: The field is ignored."
    }
  }
  // The unterminated last line is held until the stream ends: it overflows just the same.
  if (unterminated.length + data.length > max) log.push(['error', 'buffer-overflow']);
  return log;
}
