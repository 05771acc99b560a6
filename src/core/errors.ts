/**
 * What went wrong with a stream. `http`: the server answered with a status other than 200;
 * `content-type`: a 200 that is not `text/event-stream`; `network`: the request failed or the
 * stream broke; `parse`: the stream (or a caller's `parse` option) could not be interpreted;
 * `aborted`: the caller closed or aborted the stream.
 */
export type SSEErrorType = 'http' | 'content-type' | 'network' | 'parse' | 'aborted';

/**
 * A finer reason inside an error's type. `parse`: `buffer-overflow` (an event over
 * `maxBufferSize`), `invalid-json`, `parse-failed` or `select` (a caller's `parse` or
 * `select` threw).
 * `network`: `invalid-url` (cannot be fetched; never retried), `headers` (the headers function
 * threw), `transport` (the transport threw), `stream-ended` (the server closed the stream),
 * `stalled` (no byte within `stallTimeout`). `http`: `no-content` (a 204, the spec's way to say
 * "stop"), `rejected` (the browser's EventSource refused a response without saying why).
 */
export type SSEErrorCode =
  | 'buffer-overflow'
  | 'invalid-json'
  | 'select'
  | 'parse-failed'
  | 'invalid-url'
  | 'headers'
  | 'transport'
  | 'stream-ended'
  | 'stalled'
  | 'no-content'
  | 'rejected';

/** Fields a caller may set when building an {@link SSEError}. */
export interface SSEErrorInit {
  /** HTTP status, for `http` errors. */
  status?: number;
  /** The Content-Type the server sent, for `content-type` errors. */
  contentType?: string | null;
  /** Whether the connection will try again after this error. */
  willRetry?: boolean;
  /** Milliseconds the server asked us to wait (`Retry-After`), when it said so. */
  retryAfterMs?: number;
  /** A finer reason inside the type. */
  code?: SSEErrorCode;
  /** The start of the response body of an `http` error (at most 4 KB), when it had one. */
  body?: string;
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * The one error class of sse-hooks. Switch on `type`; `willRetry` tells whether the connection
 * goes on by itself. The message of an `http` error includes the server's own message when its
 * body had one (`{ "error": { "message": "Invalid API key" } }` and other common shapes).
 *
 * @example
 * ```ts
 * conn.subscribe(() => {
 *   const { error } = conn.getSnapshot();
 *   if (error?.type === 'http' && error.status === 401) refreshLogin();
 * });
 * ```
 */
export class SSEError extends Error {
  // Declared only: the constructor assigns them all at once.
  declare readonly type: SSEErrorType;
  declare readonly status: number | undefined;
  declare readonly contentType: string | null | undefined;
  declare readonly willRetry: boolean;
  declare readonly retryAfterMs: number | undefined;
  declare readonly code: SSEErrorCode | undefined;
  declare readonly body: string | undefined;

  constructor(type: SSEErrorType, message: string, { cause, ...fields }: SSEErrorInit = {}) {
    // No `cause` key at all when there is none, so consoles do not print `[cause]: undefined`.
    super(message, cause === undefined ? undefined : { cause });
    Object.assign(this, fields, { name: 'SSEError', type, willRetry: !!fields.willRetry });
  }

  /** A copy that says whether a retry follows; errors are immutable once published. */
  withRetry(willRetry: boolean): SSEError {
    // Own fields carry everything but `cause`, which is not enumerable.
    return willRetry === this.willRetry
      ? this
      : new SSEError(this.type, this.message, { ...this, willRetry, cause: this.cause });
  }
}

/** True when `value` is an {@link SSEError}, optionally of one type. */
export function isSSEError(value: unknown, type?: SSEErrorType): value is SSEError {
  return value instanceof SSEError && (!type || value.type === type);
}

/**
 * Reports an error thrown by a listener without letting it break the stream or the other
 * listeners: through the platform's `reportError` where there is one (browsers), else the console.
 */
export function reportListenerError(error: unknown): void {
  (globalThis.reportError ?? console.error)(error);
}
