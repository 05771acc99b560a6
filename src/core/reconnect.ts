import type { SSEError } from './errors.js';
import type { ReconnectPolicy } from './types.js';

/** A reconnect policy with every field filled in. */
export type ResolvedReconnectPolicy = Required<ReconnectPolicy>;

/**
 * Defaults: the first retry after the spec's usual reconnection time (3 s, what browsers use),
 * doubling on every further failure up to 30 s, with jitter, never giving up.
 */
export const DEFAULT_RECONNECT_POLICY: ResolvedReconnectPolicy = /* @__PURE__ */ Object.freeze({
  initialDelay: 3000,
  maxDelay: 30_000,
  factor: 2,
  jitter: true,
  maxAttempts: Infinity,
});

/**
 * No retry waits less, whatever the server's `retry:` or the caller's policy says: a server that
 * sends `retry: 0` and then fails must not turn a fleet of clients into a request storm.
 */
export const MIN_RETRY_DELAY = 250;

/** Jitter adds up to this share of the delay, never subtracts: no retry comes early. */
const JITTER = 0.5;

/** The longest a timer can wait; past 2^31-1 ms timers fire at once. */
const MAX_TIMER = 2 ** 31 - 1;

/** Fills in the defaults of a partial policy. */
export function resolvePolicy(policy?: ReconnectPolicy): ResolvedReconnectPolicy {
  return { ...DEFAULT_RECONNECT_POLICY, ...policy };
}

/**
 * Whether an error is temporary. Network losses and overloaded or restarting servers (408, 429,
 * 500, 502, 503, 504) are worth another try; any other status, a wrong Content-Type, a parse
 * failure or an abort will not get better by asking again, and retrying would only hammer the
 * server.
 *
 * @example
 * ```ts
 * shouldRetry(new SSEError('http', 'Unauthorized', { status: 401 })); // false
 * shouldRetry(new SSEError('http', 'Busy', { status: 503 }));         // true
 * ```
 */
export function shouldRetry(error: SSEError): boolean {
  const s = error.status;
  return (
    error.type === 'network' ||
    (error.type === 'http' &&
      (s === 408 || s === 429 || s === 500 || s === 502 || s === 503 || s === 504))
  );
}

/**
 * The delay before reconnect attempt `attempt` (1-based) of a run of consecutive failures.
 *
 * - The base is the server's `retry:` when it sent one, else `initialDelay`; never below
 *   {@link MIN_RETRY_DELAY}.
 * - Each further failure multiplies it by `factor`, up to `maxDelay` (or the server's own
 *   `retry:` when that is longer: a server may slow its clients down, never speed them up).
 * - Jitter spreads a fleet of clients by adding up to half the delay again; it never shortens a
 *   delay, so no client retries sooner than the browser's own EventSource would.
 * - `Retry-After` on the error is a floor: the server said when it can take us again.
 *
 * @example
 * ```ts
 * retryDelay(1, {}, undefined, undefined, () => 0); // 3000
 * retryDelay(1, {}, 0, undefined, () => 0);         // 250: `retry: 0` is floored
 * ```
 */
export function retryDelay(
  attempt: number,
  given: ReconnectPolicy,
  serverRetry: number | undefined,
  error: SSEError | undefined,
  random: () => number = Math.random,
): number {
  const policy = resolvePolicy(given);
  const base = Math.max(MIN_RETRY_DELAY, serverRetry ?? policy.initialDelay);
  let delay = Math.min(
    base * Math.max(1, policy.factor) ** Math.max(0, attempt - 1),
    Math.max(policy.maxDelay, base),
  );
  if (policy.jitter) delay += Math.floor(random() * delay * JITTER);
  return Math.min(Math.max(delay, error?.retryAfterMs ?? 0), MAX_TIMER);
}

/**
 * The retry state of one stream: the only place that grows or resets the backoff. A failure
 * grows it; it starts over only when the stream delivered an event (a byte or a comment is not
 * proof that the server works: a proxy that sends a heartbeat and closes must still back off),
 * or when the caller opens the stream again.
 *
 * @example
 * ```ts
 * const backoff = new Backoff({ maxAttempts: 3 });
 * const delay = backoff.failed(error); // a delay in ms, or null to give up
 * backoff.reset(); // an event arrived: the next failure starts from the base delay
 * ```
 */
export class Backoff {
  /** Consecutive failed attempts; the number of the next attempt while reconnecting. */
  failures = 0;
  /** The server's last `retry:` value. */
  serverRetry: number | undefined;
  readonly #policy: ResolvedReconnectPolicy | null;
  readonly #retryOn: (error: SSEError) => boolean;
  readonly #random: (() => number) | undefined;

  constructor(
    policy: ReconnectPolicy | false | undefined,
    retryOn: (error: SSEError) => boolean = shouldRetry,
    random?: () => number,
  ) {
    this.#policy = policy === false ? null : resolvePolicy(policy);
    this.#retryOn = retryOn;
    this.#random = random;
  }

  /**
   * Counts a failed attempt. Returns the delay before the next one, or null when the stream
   * must close for good (the error is permanent, retries are off, or attempts are used up).
   */
  failed(error: SSEError): number | null {
    const failures = ++this.failures;
    const policy = this.#policy;
    if (!policy || error.code === 'invalid-url' || failures > policy.maxAttempts) return null;
    if (!this.#retryOn(error)) return null;
    return retryDelay(failures, policy, this.serverRetry, error, this.#random);
  }

  /** An event arrived (the stream works), or the caller opened it anew: start from the base. */
  reset(): void {
    this.failures = 0;
  }
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
