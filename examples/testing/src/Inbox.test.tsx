import { render, screen } from '@testing-library/react';
import { advanceTime, createTestServer, flushFrames, streamWrapper } from 'sse-hooks/testing';
import { afterEach, expect, it, vi } from 'vitest';
import { Inbox } from './Inbox';

afterEach(() => {
  vi.useRealTimers();
});

it('asks to sign in again on a 401, and never retries', async () => {
  vi.useFakeTimers();
  const server = createTestServer();
  server.fail(401, { 'WWW-Authenticate': 'Bearer' });
  render(<Inbox token="expired" />, { wrapper: streamWrapper(server) });

  const request = await server.requested;
  expect(request.headers.authorization).toBe('Bearer expired');
  await flushFrames();
  expect(screen.getByRole('alert').textContent).toMatch(/sign in again/);

  await advanceTime(60_000);
  expect(server.connections).toHaveLength(1);
});
