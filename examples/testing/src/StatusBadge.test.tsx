import { render, screen } from '@testing-library/react';
import { createTestServer, flushFrames, streamWrapper } from 'sse-hooks/testing';
import { expect, it } from 'vitest';
import { StatusBadge } from './StatusBadge';

it('shows what the server says, once connected', async () => {
  const server = createTestServer();
  render(<StatusBadge />, { wrapper: streamWrapper(server) });
  expect(screen.getByRole('status').textContent).toBe('connecting');

  const stream = await server.connected;
  await flushFrames();
  expect(screen.getByRole('status').textContent).toBe('connected');

  stream.send({ data: 'All systems go' });
  await flushFrames();
  expect(screen.getByRole('status').textContent).toBe('All systems go');
  expect(server).toHaveConnections(1);
});
