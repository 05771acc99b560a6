/**
 * UTF-8 decoding for a byte stream cut anywhere: each call returns the text of the whole
 * characters received so far and holds back the bytes of a character that is not finished yet,
 * so the result is exactly what one decoder would make of the whole stream. Invalid bytes become
 * U+FFFD as the WHATWG "UTF-8 decode" says; a byte order mark is kept (the caller strips it).
 */

/** Decodes the next bytes of a stream; `flush()` ends an unfinished character (as U+FFFD). */
export interface Utf8Decoder {
  decode(bytes: Uint8Array): string;
  flush(): string;
}

// Decoding whole characters only lets every call run in one-shot mode, which keeps no state
// between calls, so one TextDecoder serves every stream. One-shot decoding is also faster than
// streaming mode in some engines (Node: 1.3-2x on ASCII chunks of 1-4 KB).
let shared: TextDecoder | undefined;

/** Creates a decoder for one stream. */
export function createUtf8Decoder(): Utf8Decoder {
  const decoder = (shared ??= new TextDecoder('utf-8', { ignoreBOM: true }));
  let held: Uint8Array | null = null; // the first bytes of an unfinished character

  return {
    decode(bytes) {
      if (held !== null) {
        const joined = new Uint8Array(held.length + bytes.length);
        joined.set(held);
        joined.set(bytes, held.length);
        bytes = joined;
        held = null;
      }
      const text = decoder.decode(bytes);
      // An unfinished character at the end decodes to a final U+FFFD: only then look at the
      // bytes. Its lead byte is one of the last three, and only continuation bytes
      // (10xxxxxx) follow it.
      if (text.charCodeAt(text.length - 1) !== 0xfffd) return text;
      const n = bytes.length;
      let i = n - 1;
      while (i > 0 && i > n - 3 && ((bytes[i] as number) & 0xc0) === 0x80) i--;
      const lead = bytes[i] as number;
      if (lead < 0xc0 || n - i >= (lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4)) return text;
      // Cutting just before a lead byte never changes what the bytes before it decode to.
      held = bytes.slice(i);
      return decoder.decode(bytes.subarray(0, i));
    },
    flush() {
      const text = held === null ? '' : decoder.decode(held);
      held = null;
      return text;
    },
  };
}
