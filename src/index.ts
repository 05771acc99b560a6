'use client';
// 'sse-hooks': the React layer, plus the core's public types and factories.

export { EventSourceProvider } from './react/EventSourceProvider.js';
export type { EventSourceProviderProps } from './react/EventSourceProvider.js';
export { useEventSource } from './react/useEventSource.js';
export type { UseEventSourceOptions, UseEventSourceResult } from './react/useEventSource.js';
export { useSSEEvent } from './react/useSSEEvent.js';
export type { UseSSEEventOptions } from './react/useSSEEvent.js';
export { defineStream, isStreamDescriptor } from './react/defineStream.js';
export type { StreamDescriptor, StreamDescriptorOptions } from './react/defineStream.js';
export { shallowEqual } from './react/shallowEqual.js';
export { useStreamText } from './react/useStreamText.js';
export type { UseStreamTextOptions, UseStreamTextResult } from './react/useStreamText.js';
export type {
  EventSourceDefaults,
  EventSourceState,
  HookStreamOptions,
  ParseOption,
  TypedMessage,
  StreamMessage,
  StreamOptions,
} from './react/types.js';

export * from './core/index.js';
