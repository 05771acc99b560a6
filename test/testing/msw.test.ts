import { http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { Connection, type SSEMessage } from '../../src/core/index.js';
import { createTestServer } from '../../src/testing/index.js';
import '../../src/testing/vitest.js';

// The msw recipe: handlers forward GET and POST requests to a test server, and the library's
// fetch transport reads them through the global fetch msw patches (no `fetch` option).
const server = createTestServer();
const mock = setupServer(
  http.get('http://api.test/events', ({ request }) => server.fetch(request)),
  http.post('http://api.test/chat', ({ request }) => server.fetch(request)),
);
beforeAll(() => mock.listen({ onUnhandledRequest: 'error' }));
afterAll(() => mock.close());

function open(url: string, options = {}) {
  const events: SSEMessage[] = [];
  const conn = new Connection(url, { transport: 'fetch', ...options });
  conn.addEventListener('*', (e) => events.push(e));
  conn.open();
  return { conn, events };
}

it('streams a GET through msw, and sees the client leave', async () => {
  const { conn, events } = open('http://api.test/events');
  const stream = await server.connected;
  stream.send({ event: 'alert', data: { level: 2 }, id: '1' });
  stream.send({ data: 'second' });
  await vi.waitFor(() => expect(events).toHaveLength(2));
  expect(events.map((e) => [e.type, e.data])).toEqual([
    ['alert', '{"level":2}'],
    ['message', 'second'],
  ]);
  expect(conn.getSnapshot().status).toBe('open');
  conn.close();
  expect(await stream.closed).toBe('aborted');
});

it('streams a POST with its headers and body through msw', async () => {
  const { conn, events } = open('http://api.test/chat', {
    method: 'POST',
    headers: { Authorization: 'Bearer t' },
    body: { prompt: 'hi' },
  });
  const stream = await server.connected;
  expect([stream.method, stream.headers.authorization, stream.body]).toEqual([
    'POST',
    'Bearer t',
    '{"prompt":"hi"}',
  ]);
  stream.send({ data: 'Hel' });
  stream.send({ data: 'lo' });
  await vi.waitFor(() => expect(events).toHaveLength(2));
  expect(events.map((e) => e.data).join('')).toBe('Hello');
  // After a clean end the client asks again, with the same POST.
  stream.close();
  const again = await server.connected;
  expect([again.method, again.body]).toEqual(['POST', '{"prompt":"hi"}']);
  conn.close();
});
