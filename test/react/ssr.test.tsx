// @vitest-environment node
import { StrictMode } from 'react';
import { renderToString } from 'react-dom/server';
import { afterEach, expect, it, vi } from 'vitest';
import { EventSourceProvider, defineStream, useEventSource, useSSEEvent } from '../../src/index.js';
import { sleep } from './harness.js';
import { startSSEServer, type TestSSEServer } from '../helpers/sseServer.js';

let server: TestSSEServer | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await server?.close();
});

it('server rendering opens nothing and touches no browser global', async () => {
  server = await startSSEServer((_req, res) => {
    res.end();
  });
  expect(typeof window).toBe('undefined');
  expect(typeof document).toBe('undefined');
  const fetchSpy = vi.spyOn(globalThis, 'fetch');
  const stream = defineStream<{ alert: { text: string } }>(server.url('/typed'));
  function Page() {
    const { status, readyState, lastMessage } = useEventSource(server!.url('/events'));
    const alert = useSSEEvent(stream, 'alert');
    const off = useEventSource(server!.url('/off'), { enabled: false });
    return (
      <p>
        {status}/{readyState}/{lastMessage?.data ?? 'none'}/{alert?.data.text ?? 'no alert'}/
        {off.status}
      </p>
    );
  }
  const html = renderToString(
    <StrictMode>
      <EventSourceProvider options={{ headers: () => ({ Authorization: 'x' }) }}>
        <Page />
      </EventSourceProvider>
      <Page />
    </StrictMode>,
  );
  expect(html.replaceAll('<!-- -->', '')).toBe(
    '<p>connecting/0/none/no alert/closed</p>'.repeat(2),
  );
  await sleep(100);
  expect(fetchSpy).not.toHaveBeenCalled();
  expect(server.requests).toHaveLength(0);
});
