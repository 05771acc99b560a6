// @vitest-environment jsdom
import { render, screen } from '@testing-library/react';
import { expect, it, vi } from 'vitest';
import { useEventSource } from 'sse-hooks';
import { advanceTime, createTestServer, flushFrames, TestStreamProvider } from 'sse-hooks/testing';
import { failOnConsoleError } from './harness.js';

failOnConsoleError();

it("shows 'reconnecting' with the attempt and next try, then 'open', sending Last-Event-ID", async () => {
  vi.useFakeTimers();
  const server = createTestServer();
  const seen: string[] = [];
  let retryAt: number | null = null;
  function Status() {
    const { status, attempt, nextRetryAt, lastMessage, lastEventId } = useEventSource('/live', {
      reconnect: { initialDelay: 150, jitter: false },
    });
    retryAt = nextRetryAt;
    const line =
      status === 'reconnecting'
        ? `reconnecting#${attempt}@${typeof nextRetryAt}`
        : `${status}:${lastMessage?.data ?? ''}:${lastEventId}`;
    if (seen.at(-1) !== line) seen.push(line);
    return <i data-testid="s">{line}</i>;
  }
  render(
    <TestStreamProvider server={server} strict>
      <Status />
    </TestStreamProvider>,
  );
  const text = () => screen.getByTestId('s').textContent;
  const first = await server.connected;
  first.send({ id: 'e-7', data: 'before' });
  await flushFrames();
  expect(text()).toBe('open:before:e-7');

  first.drop();
  await flushFrames();
  expect(text()).toBe('reconnecting#1@number');
  // Nothing is requested before the announced time, and the request comes at it.
  const wait = retryAt! - Date.now();
  expect(wait).toBeGreaterThan(0);
  await advanceTime(wait - 1);
  expect(server.connections).toHaveLength(1);
  await advanceTime(1);
  const second = await server.connected;
  expect(second).toHaveReceivedLastEventId('e-7');
  second.send({ id: 'e-8', data: 'after' });
  await flushFrames();
  expect(text()).toBe('open:after:e-8');

  expect(seen).toContain('reconnecting#1@number');
  expect(seen.indexOf('reconnecting#1@number')).toBeLessThan(seen.indexOf('open:after:e-8'));
  expect(server.connections.map((c) => c.lastEventId)).toEqual([null, 'e-7']);
  expect(server).toHaveConnections(1);
});
