import type { TestConnection, TestRoute } from './createTestServer.js';

/**
 * The matchers of `sse-hooks/testing`, typed for `expect(...)`. `R` is what the test framework's
 * matchers return.
 */
export interface SSEMatchers<R = unknown> {
  /** A server or route has exactly `count` streams open now. */
  toHaveConnections(count: number): R;
  /**
   * The most recent request (to a server or route), or this connection's request, carried
   * `Last-Event-ID: id`; `null` asserts it carried none.
   */
  toHaveReceivedLastEventId(id: string | null): R;
}

/** The part of Vitest's and Jest's matcher context these matchers read. */
interface MatcherContext {
  readonly isNot?: boolean;
}

interface MatcherResult {
  pass: boolean;
  message: () => string;
  actual?: unknown;
  expected?: unknown;
}

const isRoute = (value: unknown): value is TestRoute =>
  typeof value === 'object' && value !== null && 'connections' in value && 'open' in value;

const isConnection = (value: unknown): value is TestConnection =>
  typeof value === 'object' && value !== null && 'request' in value && 'state' in value;

const show = (value: unknown) => (value === null ? 'none' : JSON.stringify(value));

function notA(what: string, received: unknown): never {
  throw new TypeError(
    `${what}: expected a test server, route or connection, got ${String(received)}`,
  );
}

/**
 * Matchers for `expect.extend`, in Vitest and Jest alike. `sse-hooks/testing/vitest` and
 * `sse-hooks/testing/jest` register them (with their types) in one import.
 *
 * @example
 * ```ts
 * expect.extend(sseMatchers);
 * expect(server).toHaveConnections(1);
 * expect(server).toHaveReceivedLastEventId('7');
 * ```
 */
export const sseMatchers = {
  toHaveConnections(this: MatcherContext, received: unknown, count: number): MatcherResult {
    if (!isRoute(received)) notA('toHaveConnections', received);
    const open = received.open;
    const urls = open.map((c) => `${c.method} ${c.url}`).join(', ');
    return {
      pass: open.length === count,
      actual: open.length,
      expected: count,
      message: () =>
        `expected ${this.isNot ? 'not ' : ''}${count} open connection(s), found ${open.length}` +
        (urls ? ` (${urls})` : '') +
        `; ${received.connections.length} request(s) in all`,
    };
  },

  toHaveReceivedLastEventId(
    this: MatcherContext,
    received: unknown,
    id: string | null,
  ): MatcherResult {
    const requests = isConnection(received)
      ? [received]
      : isRoute(received)
        ? received.connections
        : notA('toHaveReceivedLastEventId', received);
    const last = requests[requests.length - 1];
    const got = last ? last.lastEventId : undefined;
    return {
      pass: last !== undefined && got === id,
      actual: got,
      expected: id,
      message: () =>
        last === undefined
          ? `expected a request with Last-Event-ID ${show(id)}, but no request arrived`
          : `expected the last request ${this.isNot ? 'not ' : ''}to carry Last-Event-ID ` +
            `${show(id)}, it carried ${show(got)} (every request: ` +
            `${requests.map((r) => show(r.lastEventId)).join(', ')})`,
    };
  },
};
