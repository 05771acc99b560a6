import { describe, expectTypeOf, it } from 'vitest';
import * as chat from '../../src/chat.js';
import * as entry from '../../src/index.js';
import type { SSEError } from '../../src/index.js';

describe("the 'sse-hooks/chat' entry", () => {
  it('exports useStreamText with its option, result and text-stream types', () => {
    const result = chat.useStreamText('/api/chat', {
      headers: { Authorization: 'Bearer t' },
      onFinish: (snapshot) => expectTypeOf(snapshot).toEqualTypeOf<chat.TextStreamSnapshot>(),
    });
    expectTypeOf(result).toEqualTypeOf<chat.UseStreamTextResult>();
    expectTypeOf(result.text).toBeString();
    expectTypeOf(result.blocks).toEqualTypeOf<readonly string[]>();
    expectTypeOf(result.status).toEqualTypeOf<chat.TextStreamStatus>();
    expectTypeOf(result.error).toEqualTypeOf<SSEError | null>();
    expectTypeOf(result.start).parameter(0).toEqualTypeOf<chat.BodyOption | undefined>();
    expectTypeOf<chat.UseStreamTextOptions>().toExtend<chat.TextStreamOptions>();
  });

  it('takes the pacing and resume options', () => {
    chat.useStreamText('/api/chat', {
      pace: false,
      maxLag: 250,
      resumeKey: 'chat',
      resumeUrl: '/r',
    });
    // @ts-expect-error pace is on or off; maxLag bounds it
    chat.useStreamText('/api/chat', { pace: 3 });
    // @ts-expect-error a resume key is a string
    chat.useStreamText('/api/chat', { resumeKey: 1 });
    expectTypeOf(chat.splitBlocks).returns.toEqualTypeOf<string[]>();
  });

  it("is not part of 'sse-hooks', so hook-only apps never ship it", () => {
    expectTypeOf(entry).not.toHaveProperty('useStreamText');
  });
});
