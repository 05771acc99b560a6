import { expect as jestExpect } from 'expect';
import { afterEach, expect, it } from 'vitest';
import { Connection } from '../../src/core/index.js';
import { createTestServer, sseMatchers } from '../../src/testing/index.js';

// The matchers under Jest's own `expect` (the package Jest runs), and the entry that registers
// them on Jest's global `expect`.

const global = globalThis as { expect?: unknown };
const vitestExpect = global.expect;
afterEach(() => {
  global.expect = vitestExpect;
});

it("pass, fail and negate under Jest's expect", async () => {
  jestExpect.extend(sseMatchers);
  const server = createTestServer();
  const conn = new Connection('http://test/events', {
    fetch: server.fetch,
    reconnect: { initialDelay: 1, jitter: false },
  });
  conn.open();
  const first = await server.connected;
  first.send({ id: '7', data: 'x' });
  first.drop();
  await server.connected;
  const matchers = jestExpect(server) as unknown as {
    toHaveConnections(n: number): void;
    toHaveReceivedLastEventId(id: string | null): void;
    not: { toHaveConnections(n: number): void };
  };
  matchers.toHaveConnections(1);
  matchers.toHaveReceivedLastEventId('7');
  matchers.not.toHaveConnections(2);
  expect(() => matchers.toHaveConnections(2)).toThrow(/expected 2 open connection\(s\), found 1/);
  expect(() => matchers.not.toHaveConnections(1)).toThrow(/expected not 1 open/);
  expect(() => matchers.toHaveReceivedLastEventId(null)).toThrow(/it carried "7"/);
  conn.close();
});

it("sse-hooks/testing/jest registers them on Jest's global expect", async () => {
  const registered: object[] = [];
  global.expect = { extend: (m: object) => registered.push(m) };
  await import('../../src/testing/jest.js');
  expect(registered).toEqual([sseMatchers]);
});
