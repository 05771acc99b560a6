import { render, screen } from '@testing-library/react';
import { http } from 'msw';
import { setupServer } from 'msw/node';
import { createTestServer, flushFrames } from 'sse-hooks/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { StatusBadge } from './StatusBadge';

// For an app already on msw: its handlers forward the stream requests to a test server, and the
// components (no provider, no fetch option) reach them through the fetch that msw intercepts.
const server = createTestServer();
const mocks = setupServer(
  http.get('/api/status', ({ request }) => server.fetch(request)),
  http.post('/api/chat', ({ request }) => server.fetch(request)),
);
beforeAll(() => mocks.listen({ onUnhandledRequest: 'error' }));
afterAll(() => mocks.close());

it('streams through msw handlers', async () => {
  render(<StatusBadge />);
  const stream = await server.connected;
  stream.send({ data: 'Through msw' });
  await flushFrames();
  expect(screen.getByRole('status').textContent).toBe('Through msw');
});
