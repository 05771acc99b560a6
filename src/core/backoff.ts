import type { SSEError } from './errors.js';
import type { ReconnectPolicy } from './types.js';

/** A reconnect policy with every field filled in. */
export type ResolvedReconnectPolicy = Required<ReconnectPolicy>;

/** Defaults: 1 s first delay, doubling, capped at 30 s, full jitter, never give up. */
export const DEFAULT_RECONNECT_POLICY: ResolvedReconnectPolicy = Object.freeze({
  initialDelay: 1000,
  maxDelay: 30_000,
  factor: 2,
  jitter: true,
  maxAttempts: Infinity,
});

/** Fills in the defaults of a partial policy. */
export function resolvePolicy(policy?: ReconnectPolicy): ResolvedReconnectPolicy {
  return { ...DEFAULT_RECONNECT_POLICY, ...policy };
}

/**
 * Whether an error is temporary. Network losses and overloaded servers (408, 429, 5xx) are worth
 * another try; any other HTTP status, a wrong Content-Type, a parse failure or an abort will not
 * get better by asking again, and retrying them would only hammer the server.
 *
 * @example
 * ```ts
 * shouldRetry(new SSEError('http', 'Unauthorized', { status: 401 })); // false
 * shouldRetry(new SSEError('http', 'Busy', { status: 503 }));         // true
 * ```
 */
export function shouldRetry(error: SSEError): boolean {
  const s = error.status ?? 0;
  return (
    error.type === 'network' ||
    (error.type === 'http' &&
      (s === 408 || s === 429 || (s > 499 && s < 600 && s !== 501 && s !== 505)))
  );
}

/**
 * The delay before reconnect attempt `attempt` (1-based).
 *
 * - The first retry after a loss waits exactly the server's `retry:` time when it sent one, as
 *   the spec's "reconnection time" says.
 * - Further consecutive failures back off exponentially from that base (the server's value, else
 *   `initialDelay`), with full jitter and a cap, so a fleet of clients does not reconnect in
 *   lock-step against a struggling server.
 * - `Retry-After` on the error is a floor: the server said when it can take us again.
 *
 * @example
 * ```ts
 * retryDelay(1, resolvePolicy(), 3000, undefined); // 3000
 * ```
 */
export function retryDelay(
  attempt: number,
  policy: ResolvedReconnectPolicy,
  serverRetry: number | undefined,
  error: SSEError | undefined,
  random: () => number = Math.random,
): number {
  let delay = serverRetry;
  if (attempt > 1 || delay === undefined) {
    const { maxDelay } = policy;
    const ceiling = Math.min(
      maxDelay,
      (serverRetry ?? policy.initialDelay) * policy.factor ** Math.max(0, attempt - 1),
    );
    // Jitter may pick a small value; never go below the server's own reconnection time.
    delay = Math.max(
      policy.jitter ? Math.floor(random() * ceiling) : ceiling,
      Math.min(serverRetry ?? 0, maxDelay),
    );
  }
  // Timers fire at once past 2^31-1 ms (about 24.8 days): an absurd `retry:` must not turn into
  // a retry storm.
  return Math.min(Math.max(delay, error?.retryAfterMs ?? 0), 2 ** 31 - 1);
}

/**
 * Parses a `Retry-After` header (seconds or an HTTP date) into milliseconds from `now`.
 * Returns undefined when absent or unreadable.
 */
export function parseRetryAfter(
  value: string | null,
  now: number = Date.now(),
): number | undefined {
  // Seconds first: `Date.parse` would read a bare number as a year.
  const ms = /^\s*\d+\s*$/.test(value ?? '')
    ? Number(value) * 1000
    : Math.max(0, Date.parse(value ?? '') - now);
  return ms >= 0 ? ms : undefined;
}
