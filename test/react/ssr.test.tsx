// @vitest-environment node
import { StrictMode } from 'react';
import { renderToString } from 'react-dom/server';
import { afterEach, expect, it, vi } from 'vitest';
import { EventSourceProvider, defineStream, useEventSource, useSSEEvent } from 'sse-hooks';
import { createTestServer, flushFrames } from 'sse-hooks/testing';

afterEach(() => {
  vi.restoreAllMocks();
});

it('server rendering opens nothing and touches no browser global', async () => {
  const server = createTestServer();
  expect(typeof window).toBe('undefined');
  expect(typeof document).toBe('undefined');
  const fetchSpy = vi.spyOn(globalThis, 'fetch');
  const stream = defineStream<{ alert: { text: string } }>('http://test/typed');
  function Page() {
    const { status, readyState, lastMessage } = useEventSource('http://test/events');
    const alert = useSSEEvent(stream, 'alert');
    const off = useEventSource('http://test/off', { enabled: false });
    return (
      <p>
        {status}/{readyState}/{lastMessage?.data ?? 'none'}/{alert?.data.text ?? 'no alert'}/
        {off.status}
      </p>
    );
  }
  const html = renderToString(
    <StrictMode>
      <EventSourceProvider
        options={{ headers: () => ({ Authorization: 'x' }), fetch: server.fetch }}
      >
        <Page />
      </EventSourceProvider>
      <Page />
    </StrictMode>,
  );
  expect(html.replaceAll('<!-- -->', '')).toBe(
    '<p>connecting/0/none/no alert/closed</p>'.repeat(2),
  );
  // Whatever a render started would have reached a fetch within a frame.
  await flushFrames();
  expect(fetchSpy).not.toHaveBeenCalled();
  expect(server.connections).toHaveLength(0);
});
