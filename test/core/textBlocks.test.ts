import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BlockSplitter, splitBlocks } from '../../src/core/textBlocks.js';

describe('splitBlocks', () => {
  it('splits paragraphs, headings, list items and fenced code, and joins back exactly', () => {
    const text = [
      '# Title\n',
      'A paragraph\nover two lines.\n\n',
      '- one\n',
      '- two\n  - nested\n',
      '1. first\n',
      '2. second\n\n',
      '```js\nconst a = 1;\n\n// a blank line inside the fence\n```\n',
      'After the code.\n\n\n',
      '~~~\n```\nnot a close\n~~~\n',
      'Tail',
    ];
    expect(splitBlocks(text.join(''))).toEqual(text);
  });

  it('keeps what Markdown keeps together', () => {
    // A setext heading underline, a lazy continuation, an indented second paragraph of an item,
    // an ordered line that cannot interrupt a paragraph, a thematic break after a blank line.
    const cases: [string, string[]][] = [
      ['Title\n---\nnext\n', ['Title\n---\nnext\n']],
      ['- item\ncontinued\n', ['- item\ncontinued\n']],
      ['- item\n\n  second paragraph\n- next\n', ['- item\n\n  second paragraph\n', '- next\n']],
      ['In 2024\n2. is not a list here\n', ['In 2024\n2. is not a list here\n']],
      ['Text\n\n---\n', ['Text\n\n', '---\n']],
      ['> quote\n>\n> more\n', ['> quote\n>\n> more\n']],
    ];
    for (const [text, blocks] of cases) expect(splitBlocks(text)).toEqual(blocks);
  });

  it('a line still arriving joins the last block until its first characters settle it', () => {
    expect(splitBlocks('Para\n\n', false)).toEqual(['Para\n\n']);
    expect(splitBlocks('Para\n\n  ', false)).toEqual(['Para\n\n  ']);
    expect(splitBlocks('Para\n\nN', false)).toEqual(['Para\n\n', 'N']);
    expect(splitBlocks('- a\n-', false)).toEqual(['- a\n-']);
    expect(splitBlocks('- a\n- b', false)).toEqual(['- a\n', '- b']);
    expect(splitBlocks('```\ncode\n```', false)).toEqual(['```\ncode\n```']);
    expect(splitBlocks('```\ncode\n```\nx', false)).toEqual(['```\ncode\n```\n', 'x']);
  });
});

const LINES = [
  'Some words here.',
  'more text',
  '',
  '',
  '# Heading',
  '## Sub',
  '#hashtag',
  '#',
  '- bullet',
  '* star',
  '+ plus',
  '  - nested',
  '  indented',
  '    code',
  '1. one',
  '2) two',
  '10. ten',
  '```',
  '```ts',
  '~~~',
  '````',
  '---',
  '***',
  '> quote',
  '| a | b |',
  '你好，世界。',
  '👍🏽 emoji',
  '\t tab',
];

const markdownArb = fc
  .array(fc.constantFrom(...LINES), { minLength: 1, maxLength: 30 })
  .chain((lines) =>
    fc.tuple(fc.constant(lines.join('\n')), fc.boolean()).map(([t, nl]) => (nl ? t + '\n' : t)),
  );

describe('block stability (property)', () => {
  it('for any prefix, every block but the last is a block of the whole text', () => {
    fc.assert(
      fc.property(
        markdownArb,
        fc.array(fc.nat(), { minLength: 1, maxLength: 10 }),
        (text, cuts) => {
          const whole = splitBlocks(text);
          expect(whole.join('')).toBe(text);
          for (const cut of cuts) {
            const prefix = text.slice(0, cut % (text.length + 1));
            const blocks = splitBlocks(prefix, false);
            expect(blocks.join('')).toBe(prefix);
            expect(blocks.slice(0, -1)).toEqual(whole.slice(0, Math.max(0, blocks.length - 1)));
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('the incremental splitter gives the same blocks and keeps the finished ones', () => {
    fc.assert(
      fc.property(markdownArb, fc.array(fc.nat(), { maxLength: 40 }), (text, cuts) => {
        const splitter = new BlockSplitter();
        let previous: readonly string[] = [];
        const points = [...cuts.map((c) => c % (text.length + 1))].sort((a, b) => a - b);
        for (const point of points) {
          const prefix = text.slice(0, point);
          const blocks = splitter.update(prefix, false);
          expect(blocks).toEqual(splitBlocks(prefix, false));
          // Only the last block of the previous update may have changed.
          expect(blocks.slice(0, Math.max(0, previous.length - 1))).toEqual(previous.slice(0, -1));
          previous = blocks;
        }
        expect(splitter.update(text, true)).toEqual(splitBlocks(text, true));
      }),
      { numRuns: 500 },
    );
  });
});
