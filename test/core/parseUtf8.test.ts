import { describe, expect, it } from 'vitest';
import { createUtf8Decoder } from '../../src/core/utf8.js';
import { prng } from '../helpers/prng.js';

const PIECES: number[][] = [
  [0x61], // a
  [0x0a],
  [0xc3, 0xa9], // é
  [0xe2, 0x82, 0xac], // €
  [0xf0, 0x9d, 0x84, 0x9e], // 𝄞
  [0xef, 0xbb, 0xbf], // BOM
  [0xef, 0xbf, 0xbd], // U+FFFD as sent
  [0xff],
  [0x80],
  [0xe2, 0x82],
  [0xf0, 0x9f, 0x98],
  [0xc0, 0x80],
  [0xed, 0xa0, 0x80],
];

describe('createUtf8Decoder', () => {
  it('decodes a stream cut anywhere exactly as one decoder decodes it whole', () => {
    const whole = new TextDecoder('utf-8', { ignoreBOM: true });
    for (let seed = 1; seed <= 2000; seed++) {
      const rand = prng(seed);
      const bytes: number[] = [];
      // Runs of ASCII and runs of other text, so the decoder switches modes both ways.
      for (let run = 0; run < 6; run++) {
        const ascii = rand() < 0.5;
        for (let n = Math.floor(rand() * 12); n > 0; n--) {
          bytes.push(
            ...(ascii
              ? [0x61 + Math.floor(rand() * 3)]
              : PIECES[Math.floor(rand() * PIECES.length)]!),
          );
        }
      }
      const input = Uint8Array.from(bytes);
      const decoder = createUtf8Decoder();
      let text = '';
      for (let i = 0; i < input.length;) {
        const size = Math.floor(rand() * 6);
        text += decoder.decode(input.subarray(i, i + size));
        i += size;
      }
      text += decoder.flush();
      expect(text, `seed ${seed}`).toBe(whole.decode(input));
    }
  });

  it('holds back an unfinished character until its last byte, and flushes it as U+FFFD', () => {
    const decoder = createUtf8Decoder();
    expect(decoder.decode(new Uint8Array([0x61, 0xe2, 0x82]))).toBe('a');
    expect(decoder.decode(new Uint8Array([0xac, 0x62]))).toBe('€b');
    expect(decoder.decode(new Uint8Array([0xf0, 0x9f]))).toBe('');
    expect(decoder.flush()).toBe('\uFFFD');
    expect(decoder.flush()).toBe('');
    expect(decoder.decode(new Uint8Array([0x63]))).toBe('c');
  });
});
