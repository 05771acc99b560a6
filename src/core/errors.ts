/**
 * What went wrong with a stream. `http`: the server answered with a status other than 200;
 * `content-type`: a 200 that is not `text/event-stream`; `network`: the request failed or the
 * stream broke; `parse`: the stream (or a caller's `parse` option) could not be interpreted;
 * `aborted`: the caller closed or aborted the stream.
 */
export type SSEErrorType = 'http' | 'content-type' | 'network' | 'parse' | 'aborted';

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
  /** A finer reason inside the type, e.g. `buffer-overflow` or `invalid-json` for `parse`. */
  code?: string;
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * The one error class of sse-hooks. Switch on `type`; `willRetry` tells whether the connection
 * goes on by itself.
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
  declare readonly code: string | undefined;

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
