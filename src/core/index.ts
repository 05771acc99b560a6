export { createParser } from './parse.js';
export type { ParsedEvent, Parser, ParserCallbacks, ParserOptions } from './parse.js';
export { SSEError, isSSEError } from './errors.js';
export type { SSEErrorCode, SSEErrorType, SSEErrorInit } from './errors.js';
export { parseRetryAfter, retryDelay, shouldRetry } from './reconnect.js';
export { Connection, ANY_EVENT } from './connection.js';
export type { Clock } from './clock.js';
export type {
  BodyOption,
  ConnectionInspection,
  ConnectionOptions,
  FailureRecord,
  ShareStrategy,
  StreamConnection,
} from './types.js';
export { ConnectionRegistry } from './registry.js';
export type { Lease, RegistryEntryInfo, RegistryOptions } from './registry.js';
export { EventSource } from './eventSource.js';
export type { EventSourceErrorEvent, EventSourceEvents, EventSourceInit } from './eventSource.js';
export { createFetchTransport } from './transports/fetchTransport.js';
export { createNativeTransport } from './transports/nativeTransport.js';
export { createNodeTransport } from './transports/nodeTransport.js';
export type {
  Transport,
  TransportHandle,
  TransportRequest,
  TransportSink,
} from './transports/transport.js';
export type {
  ConnectionSnapshot,
  ConnectionStatus,
  Continuity,
  HeadersOption,
  ReadyState,
  ReconnectPolicy,
  SSEMessage,
} from './types.js';
export { TextStream, selectToken } from './textStream.js';
export type {
  TextStreamOptions,
  TextStreamSnapshot,
  TextStreamStatus,
  TextStreamEnvironment,
  FrameScheduler,
  ReplyStorage,
} from './textStream.js';
export { TextReveal } from './textReveal.js';
export type { TextRevealOptions } from './textReveal.js';
export { splitBlocks, BlockSplitter } from './textBlocks.js';
export { graphemeStarts } from './graphemes.js';
