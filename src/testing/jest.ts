// 'sse-hooks/testing/jest': registers the matchers with Jest's global `expect` and types them
// (for `@types/jest` globals). Import it from a file listed in `setupFilesAfterEnv`.
import { sseMatchers, type SSEMatchers } from './sseMatchers.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    // The type parameters of @types/jest's declaration, which this one merges with.
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unused-vars
    interface Matchers<R, T = {}> extends SSEMatchers<R> {}
  }
}

const jestExpect = (globalThis as { expect?: { extend?(matchers: object): void } }).expect;
if (typeof jestExpect?.extend !== 'function') {
  throw new Error("sse-hooks/testing/jest needs Jest's global expect: import it from a setup file");
}
jestExpect.extend(sseMatchers);
