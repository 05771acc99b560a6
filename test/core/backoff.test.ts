import { describe, expect, it } from 'vitest';
import { parseRetryAfter, resolvePolicy, retryDelay, shouldRetry } from '../../src/core/backoff.js';
import { SSEError, isSSEError } from '../../src/core/errors.js';

const policy = resolvePolicy({ initialDelay: 1000, maxDelay: 30_000, factor: 2 });

describe('backoff', () => {
  it('first retry waits exactly the server retry: time', () => {
    expect(retryDelay(1, policy, 3000, undefined, () => 0)).toBe(3000);
  });

  it('full jitter stays within [0, base * factor^(n-1)], capped', () => {
    for (let attempt = 1; attempt <= 10; attempt++) {
      const ceiling = Math.min(30_000, 1000 * 2 ** (attempt - 1));
      expect(retryDelay(attempt, policy, undefined, undefined, () => 0)).toBe(0);
      expect(retryDelay(attempt, policy, undefined, undefined, () => 0.9999)).toBe(
        Math.floor(0.9999 * ceiling),
      );
    }
  });

  it('never goes below the server retry: time after repeated failures', () => {
    expect(retryDelay(3, policy, 2000, undefined, () => 0)).toBe(2000);
    expect(retryDelay(3, policy, 2000, undefined, () => 0.99)).toBe(Math.floor(0.99 * 8000));
  });

  it('without jitter grows deterministically', () => {
    const p = resolvePolicy({ initialDelay: 100, jitter: false, maxDelay: 1000 });
    expect([1, 2, 3, 4, 5].map((n) => retryDelay(n, p, undefined, undefined))).toEqual([
      100, 200, 400, 800, 1000,
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

  it('tells temporary from permanent errors', () => {
    const http = (status: number) => new SSEError('http', 'x', { status });
    expect(shouldRetry(new SSEError('network', 'x'))).toBe(true);
    for (const s of [408, 429, 500, 502, 503, 504]) expect(shouldRetry(http(s))).toBe(true);
    for (const s of [204, 301, 400, 401, 403, 404, 410, 501])
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
    const e = new SSEError('http', 'busy', { status: 503, retryAfterMs: 10, code: 'x', cause });
    expect(e).toMatchObject({ name: 'SSEError', type: 'http', status: 503, willRetry: false });
    const r = e.withRetry(true);
    expect(r).toBeInstanceOf(SSEError);
    expect(r).toMatchObject({ type: 'http', message: 'busy', status: 503, retryAfterMs: 10 });
    expect(r).toMatchObject({ code: 'x', willRetry: true, cause });
    expect(e.willRetry).toBe(false);
    expect(r.withRetry(true)).toBe(r);
    expect(isSSEError(r, 'http') && !isSSEError(r, 'network') && !isSSEError(cause)).toBe(true);
  });

  it('has no cause key when given none', () => {
    expect('cause' in new SSEError('network', 'x', { cause: undefined })).toBe(false);
    expect('cause' in new SSEError('network', 'x').withRetry(true)).toBe(false);
  });
});
