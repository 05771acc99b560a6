import { describe, expect, it } from 'vitest';
import {
  Backoff,
  MIN_RETRY_DELAY,
  parseRetryAfter,
  resolvePolicy,
  retryDelay,
  shouldRetry,
} from '../../src/core/reconnect.js';
import { SSEError, isSSEError } from 'sse-hooks/core';

const policy = resolvePolicy({ initialDelay: 1000, maxDelay: 30_000, factor: 2 });

describe('retryDelay', () => {
  it('first retry waits the base delay: the server retry: time, else initialDelay', () => {
    expect(retryDelay(1, policy, 3000, undefined, () => 0)).toBe(3000);
    expect(retryDelay(1, policy, undefined, undefined, () => 0)).toBe(1000);
    expect(retryDelay(1, resolvePolicy(), undefined, undefined, () => 0)).toBe(3000);
  });

  it('jitter adds up to half the delay and never shortens it', () => {
    for (let attempt = 1; attempt <= 10; attempt++) {
      const delay = Math.min(30_000, 1000 * 2 ** (attempt - 1));
      expect(retryDelay(attempt, policy, undefined, undefined, () => 0)).toBe(delay);
      expect(retryDelay(attempt, policy, undefined, undefined, () => 0.9999)).toBe(
        delay + Math.floor(0.9999 * delay * 0.5),
      );
    }
  });

  it('grows from the server retry: time and never goes below it', () => {
    expect(retryDelay(3, policy, 2000, undefined, () => 0)).toBe(8000);
    expect(retryDelay(3, policy, 2000, undefined, () => 0.5)).toBe(10_000);
  });

  it('floors retry: 0 and tiny policies at MIN_RETRY_DELAY, and still backs off', () => {
    expect(MIN_RETRY_DELAY).toBe(250);
    expect([1, 2, 3, 4].map((n) => retryDelay(n, policy, 0, undefined, () => 0))).toEqual([
      250, 500, 1000, 2000,
    ]);
    const tiny = resolvePolicy({ initialDelay: 1, jitter: false });
    expect(retryDelay(1, tiny, undefined, undefined)).toBe(250);
  });

  it('a server retry: longer than maxDelay slows the client down', () => {
    expect(retryDelay(1, policy, 45_000, undefined, () => 0)).toBe(45_000);
    expect(retryDelay(4, policy, 45_000, undefined, () => 0)).toBe(45_000);
  });

  it('without jitter grows deterministically', () => {
    const p = resolvePolicy({ initialDelay: 300, jitter: false, maxDelay: 2000 });
    expect([1, 2, 3, 4, 5].map((n) => retryDelay(n, p, undefined, undefined))).toEqual([
      300, 600, 1200, 2000, 2000,
    ]);
  });

  it('clamps absurd server values to what a timer can wait', () => {
    expect(retryDelay(1, policy, 1e20, undefined, () => 0)).toBe(2_147_483_647);
    const e = new SSEError('http', 'busy', { status: 503, retryAfterMs: 1e15 });
    expect(retryDelay(2, policy, undefined, e, () => 0)).toBe(2_147_483_647);
  });

  it('Retry-After is a floor', () => {
    const e = new SSEError('http', 'busy', { status: 503, retryAfterMs: 7000 });
    expect(retryDelay(1, policy, 1000, e, () => 0)).toBe(7000);
  });

  it('a retry: 0 server that keeps failing gets at most 12 requests in 10 s', () => {
    // What a connection does: every attempt fails; the delays are summed until 10 s pass.
    const backoff = new Backoff(undefined, undefined, () => 0);
    backoff.serverRetry = 0;
    let elapsed = 0;
    let requests = 1;
    for (;;) {
      const delay = backoff.failed(new SSEError('http', 'x', { status: 500 }))!;
      if ((elapsed += delay) > 10_000) break;
      requests++;
    }
    expect(requests).toBeLessThanOrEqual(12);
    expect(requests).toBe(6); // 250 + 500 + 1000 + 2000 + 4000 ms
  });
});

describe('Backoff', () => {
  const http = (status: number) => new SSEError('http', 'x', { status });

  it('grows on every failure and starts over after reset()', () => {
    const backoff = new Backoff({ initialDelay: 1000, jitter: false });
    expect([1, 2, 3].map(() => backoff.failed(http(503)))).toEqual([1000, 2000, 4000]);
    expect(backoff.failures).toBe(3);
    backoff.reset();
    expect(backoff.failed(http(503))).toBe(1000);
  });

  it('gives up after maxAttempts, on permanent errors, and when retries are off', () => {
    const limited = new Backoff({ maxAttempts: 2 });
    expect(limited.failed(http(500))).not.toBeNull();
    expect(limited.failed(http(500))).not.toBeNull();
    expect(limited.failed(http(500))).toBeNull();
    expect(new Backoff(undefined).failed(http(401))).toBeNull();
    expect(new Backoff(false).failed(new SSEError('network', 'x'))).toBeNull();
    expect(new Backoff(undefined, () => true).failed(http(401))).not.toBeNull();
    const invalid = new SSEError('network', 'x', { code: 'invalid-url' });
    expect(new Backoff(undefined, () => true).failed(invalid)).toBeNull();
  });
});

describe('shouldRetry', () => {
  it('tells temporary from permanent errors', () => {
    const http = (status: number) => new SSEError('http', 'x', { status });
    expect(shouldRetry(new SSEError('network', 'x'))).toBe(true);
    for (const s of [408, 429, 500, 502, 503, 504]) expect(shouldRetry(http(s))).toBe(true);
    for (const s of [204, 301, 400, 401, 403, 404, 410, 501, 505, 506, 507, 508, 511])
      expect(shouldRetry(http(s))).toBe(false);
    expect(shouldRetry(new SSEError('content-type', 'x'))).toBe(false);
    expect(shouldRetry(new SSEError('parse', 'x'))).toBe(false);
    expect(shouldRetry(new SSEError('aborted', 'x'))).toBe(false);
  });

  it('parses Retry-After seconds and dates', () => {
    expect(parseRetryAfter('120')).toBe(120_000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(' 5 ')).toBe(5000);
    expect(parseRetryAfter('')).toBeUndefined();
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
  });
});

describe('SSEError', () => {
  it('keeps its fields and cause across withRetry', () => {
    const cause = new Error('inner');
    const e = new SSEError('http', 'busy', {
      status: 503,
      retryAfterMs: 10,
      code: 'stalled',
      cause,
    });
    expect(e).toMatchObject({ name: 'SSEError', type: 'http', status: 503, willRetry: false });
    const r = e.withRetry(true);
    expect(r).toBeInstanceOf(SSEError);
    expect(r).toMatchObject({ type: 'http', message: 'busy', status: 503, retryAfterMs: 10 });
    expect(r).toMatchObject({ code: 'stalled', willRetry: true, cause });
    expect(e.willRetry).toBe(false);
    expect(r.withRetry(true)).toBe(r);
    expect(isSSEError(r, 'http') && !isSSEError(r, 'network') && !isSSEError(cause)).toBe(true);
  });

  it('has no cause key when given none', () => {
    expect('cause' in new SSEError('network', 'x', { cause: undefined })).toBe(false);
    expect('cause' in new SSEError('network', 'x').withRetry(true)).toBe(false);
  });
});
