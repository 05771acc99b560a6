import { expect, expectTypeOf, test } from 'vitest';
import {
  createRenderCounter,
  createTestServer,
  sseMatchers,
  streamWrapper,
  type SSEMatchers,
  type TestConnection,
  type TestConnectionState,
} from 'sse-hooks/testing';
import 'sse-hooks/testing/vitest';

test('the matchers are typed on expect once sse-hooks/testing/vitest is imported', () => {
  const server = createTestServer();
  expect(server).toHaveConnections(1);
  expect(server).not.toHaveConnections(2);
  expect(server).toHaveReceivedLastEventId('7');
  expect(server).toHaveReceivedLastEventId(null);
  // @ts-expect-error a count is a number
  expect(server).toHaveConnections('1');
  // @ts-expect-error an id is a string (or null for none)
  expect(server).toHaveReceivedLastEventId(7);
  // @ts-expect-error no such matcher
  expect(server).toHaveConnection(1);
  expectTypeOf(sseMatchers.toHaveConnections).parameter(1).toEqualTypeOf<number>();
  expectTypeOf<SSEMatchers<void>['toHaveReceivedLastEventId']>()
    .parameter(0)
    .toEqualTypeOf<string | null>();
});

test('the server, its connections and requests', async () => {
  const server = createTestServer();
  expectTypeOf(server.fetch).toEqualTypeOf<typeof fetch>();
  expectTypeOf(server.connected).resolves.toEqualTypeOf<TestConnection>();
  const conn = await server.connected;
  expectTypeOf(conn.lastEventId).toEqualTypeOf<string | null>();
  expectTypeOf(conn.body).toEqualTypeOf<string | null>();
  expectTypeOf(conn.headers).toEqualTypeOf<Readonly<Record<string, string>>>();
  expectTypeOf(conn.closed).resolves.toEqualTypeOf<TestConnectionState>();
  conn.send({ event: 'alert', data: { level: 2 }, id: 7, retry: 1000 });
  // @ts-expect-error the field is `event`, not `type`
  conn.send({ type: 'alert', data: 'x' });
  // @ts-expect-error headers are strings
  server.fail(401, { 'Retry-After': 5 });
  server.route('/chat').fail(500, {}, 'oops');
  server.route(/\/feed$/).stall();
  server.route((url, request) => url.pathname === '/x' && request.method === 'POST');
});

test('render helpers', () => {
  const renders = createRenderCounter();
  expectTypeOf(renders.count('badge')).toEqualTypeOf<number>();
  expectTypeOf(streamWrapper(createTestServer(), { strict: true })).toBeFunction();
});
