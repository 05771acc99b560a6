'use client';
// 'sse-hooks/testing': an in-process stream server reached through the `fetch` option, a
// provider for tests, a frame clock, matchers and a render counter. Only tests import it, so no
// app bundle ever contains it.

export { createTestServer, formatEvent } from './createTestServer.js';
export type {
  TestConnection,
  TestConnectionState,
  TestEvent,
  TestRequest,
  TestRoute,
  TestRouteMatcher,
  TestServer,
  TestStream,
} from './createTestServer.js';
export { TestStreamProvider, streamWrapper } from './TestStreamProvider.js';
export type { TestStreamProviderProps } from './TestStreamProvider.js';
export { advanceTime, flushFrames, FRAME_MS } from './flushFrames.js';
export { sseMatchers } from './sseMatchers.js';
export type { SSEMatchers } from './sseMatchers.js';
export { createRenderCounter } from './createRenderCounter.js';
export type { RenderCounter } from './createRenderCounter.js';
