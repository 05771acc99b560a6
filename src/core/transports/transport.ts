import type { Clock } from '../clock.js';
import type { SSEError } from '../errors.js';
import type { SSEMessage } from '../types.js';

/** What a transport is asked to open. Headers are already resolved for this attempt. */
export interface TransportRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  credentials: RequestCredentials;
  /** Sent as `Last-Event-ID` when not empty. */
  lastEventId: string;
  /** Aborted when the connection gives this attempt up. */
  signal: AbortSignal;
  /** The connection's clock, for a transport's own timeouts (absent: the platform's). */
  clock?: Clock;
}

/** Where a transport reports. Calls after `signal` aborted are ignored by the connection. */
export interface TransportSink {
  /** The response was accepted (200, `text/event-stream`). `url` is the final URL. */
  open(url: string): void;
  /** Raw stream bytes (or text) for the parser. */
  chunk(chunk: Uint8Array | string): void;
  /** An already parsed event (transports that parse themselves, such as the native one). */
  event(message: SSEMessage): void;
  /** The server ended the stream. */
  end(): void;
  /** The attempt failed; `error.willRetry` is decided by the connection, not the transport. */
  error(error: SSEError): void;
  /** Transports that reconnect by themselves (native) report a loss with this instead of error. */
  reconnecting?(error: SSEError): void;
}

/** Returned by `connect` for transports that must be told which event types to deliver. */
export interface TransportHandle {
  /** Deliver events of this type too (the native EventSource only dispatches listened types). */
  listen(type: string): void;
}

/**
 * Opens one attempt of a stream. The connection owns retries, so a transport makes exactly one
 * request per call, except a native transport that reconnects by itself (`selfReconnecting`).
 */
export interface Transport {
  readonly name: string;
  /** True when the transport retries by itself (browser EventSource). */
  readonly selfReconnecting?: boolean;
  /** True when it can open URLs of schemes other than http and https (else those fail for good). */
  readonly anyScheme?: boolean;
  connect(request: TransportRequest, sink: TransportSink): TransportHandle | void;
}
