// @vitest-environment jsdom
import type { ServerResponse } from 'node:http';
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, expect, it } from 'vitest';
import { useEventSource } from '../../src/index.js';
import { frame, sseHead, startSSEServer, until, type TestSSEServer } from '../helpers/sseServer.js';
import { Strict } from './harness.js';

let server: TestSSEServer | undefined;
afterEach(async () => {
  cleanup();
  await server?.close();
});

it("shows 'reconnecting' with the attempt and next try, then 'open', sending Last-Event-ID", async () => {
  let first: ServerResponse | undefined;
  server = await startSSEServer((_req, res) => {
    sseHead(res);
    if (!first) {
      first = res;
      res.write(frame({ id: 'e-7', data: 'before' }));
    } else {
      res.write(frame({ id: 'e-8', data: 'after' }));
    }
  });
  const seen: string[] = [];
  function Status() {
    const { status, attempt, nextRetryAt, lastMessage, lastEventId } = useEventSource(
      server!.url('/live'),
      { reconnect: { initialDelay: 150, jitter: false } },
    );
    const line =
      status === 'reconnecting'
        ? `reconnecting#${attempt}@${typeof nextRetryAt}`
        : `${status}:${lastMessage?.data ?? ''}:${lastEventId}`;
    if (seen.at(-1) !== line) seen.push(line);
    return <i data-testid="s">{line}</i>;
  }
  render(
    <Strict>
      <Status />
    </Strict>,
  );
  await until(() => screen.getByTestId('s').textContent === 'open:before:e-7', 5000, 'first');
  first!.destroy();
  await until(() => screen.getByTestId('s').textContent === 'open:after:e-8', 5000, 'resumed');
  expect(seen).toContain('reconnecting#1@number');
  expect(seen.indexOf('reconnecting#1@number')).toBeLessThan(seen.indexOf('open:after:e-8'));
  expect(server.requests).toHaveLength(2);
  expect(server.requests[0]!.headers['last-event-id']).toBeUndefined();
  // jsdom's page is http://localhost:3000, so the stream is cross-origin: the ID travels in the
  // query parameter, which needs no CORS preflight, instead of the Last-Event-ID header.
  expect(server.requests[1]!.headers['last-event-id']).toBeUndefined();
  expect(server.requests[1]!.url).toBe('/live?lastEventId=e-7');
});
