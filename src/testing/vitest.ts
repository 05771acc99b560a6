// 'sse-hooks/testing/vitest': registers the matchers with Vitest's `expect` and types them.
// Import it once, from a setup file or a test.
import { expect } from 'vitest';
import { sseMatchers, type SSEMatchers } from './sseMatchers.js';

expect.extend(sseMatchers);

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-explicit-any
  interface Matchers<T = any> extends SSEMatchers<T> {}
}
