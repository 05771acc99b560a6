'use client';
// 'sse-hooks': the React layer, the core's public types, and the few core values a React user
// needs next to the hooks. Typewriter chat rendering lives in 'sse-hooks/chat', everything else
// in 'sse-hooks/core'.

export { EventSourceProvider } from './react/EventSourceProvider.js';
export type { EventSourceProviderProps } from './react/EventSourceProvider.js';
export { useEventSource } from './react/useEventSource.js';
export { useSSEEvent } from './react/useSSEEvent.js';
export type { UseSSEEventOptions } from './react/useSSEEvent.js';
export { defineStream, isStreamDescriptor } from './react/defineStream.js';
export type { StreamDescriptor, StreamDescriptorOptions } from './react/defineStream.js';
export { shallowEqual } from './react/shallowEqual.js';
export type {
  EventSourceDefaults,
  EventSourceState,
  HookStreamOptions,
  ParseOption,
  TypedMessage,
  StreamMessage,
  StreamOptions,
  UseEventSourceOptions,
  UseEventSourceResult,
} from './react/types.js';

export { SSEError, isSSEError } from './core/errors.js';
export { ConnectionRegistry } from './core/registry.js';
export type {
  BodyOption,
  ConnectionOptions,
  ConnectionSnapshot,
  ConnectionStatus,
  Continuity,
  EventSourceInit,
  HeadersOption,
  Lease,
  ParsedEvent,
  Parser,
  ParserCallbacks,
  ParserOptions,
  ReadyState,
  ReconnectPolicy,
  RegistryOptions,
  SSEErrorInit,
  SSEErrorType,
  SSEMessage,
  ShareStrategy,
  StreamConnection,
  Transport,
  TransportHandle,
  TransportRequest,
  TransportSink,
} from './core/index.js';
