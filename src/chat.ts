'use client';
// 'sse-hooks/chat': typewriter rendering of chat replies. A separate entry so that apps that only
// read streams (dashboards, control panels) never ship the text-pacing engine.

export { useStreamText } from './react/useStreamText.js';
export type { UseStreamTextOptions, UseStreamTextResult } from './react/useStreamText.js';
export { splitBlocks } from './core/textBlocks.js';
export type { BodyOption } from './core/types.js';
export type {
  FrameScheduler,
  ReplyStorage,
  TextStreamEnvironment,
  TextStreamOptions,
  TextStreamSnapshot,
  TextStreamStatus,
} from './core/textStream.js';
