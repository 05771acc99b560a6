import { render, screen } from '@testing-library/react';
import { advanceTime, createTestServer, flushFrames, streamWrapper } from 'sse-hooks/testing';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { LiveFeed } from './LiveFeed';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

it('resumes from the last event it saw after the connection is lost', async () => {
  const server = createTestServer();
  render(<LiveFeed />, {
    wrapper: streamWrapper(server, {
      options: { reconnect: { initialDelay: 1000, jitter: false } },
    }),
  });
  const first = await server.connected;
  first.send({ event: 'item', id: '1', data: 'one' });
  first.send({ event: 'item', id: '2', data: 'two' });
  first.drop();
  await flushFrames();
  expect(screen.getByRole('status').textContent).toBe('Reconnecting (attempt 1)');

  await advanceTime(1000);
  const second = await server.connected;
  expect(second).toHaveReceivedLastEventId('2');
  second.send({ event: 'item', id: '3', data: 'three' });
  await flushFrames();
  expect(screen.getByRole('status').textContent).toBe('open');
  expect(screen.getAllByRole('listitem').map((li) => li.textContent)).toEqual([
    'one',
    'two',
    'three',
  ]);
});
