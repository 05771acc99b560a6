// @vitest-environment jsdom
import { act, render, screen, waitFor } from '@testing-library/react';
import { StrictMode } from 'react';
import { describe, expect, it } from 'vitest';
import { EventSourceProvider, useEventSource, useSSEEvent } from 'sse-hooks';
import { createTabSharing, type ShareStrategy } from 'sse-hooks/tabs';
import { createTestServer, flushFrames, type TestServer } from 'sse-hooks/testing';
import { FakeChannelHub, FakeLockManager } from '../helpers/fakeTabs.js';
import { failOnConsoleError } from './harness.js';

failOnConsoleError();

const URL_ = 'http://tabs.test/events';

function Widget({ server, share, id }: { server: TestServer; share?: ShareStrategy; id: string }) {
  const options = { share, fetch: server.fetch };
  const { readyState, lastMessage, shared, continuity } = useEventSource(URL_, options);
  const alert = useSSEEvent(URL_, 'alert', options);
  return (
    <i data-testid={id}>
      {readyState}:{lastMessage?.data ?? ''}:{alert?.data ?? ''}:{String(shared)}:{continuity}
    </i>
  );
}

/**
 * Tabs of one browser in one document: each has its own provider (its own registry) and its own
 * handle on the fake browser's locks and channels, as separate pages would.
 */
function tabsOf(count: number): ShareStrategy[] {
  const locks = new FakeLockManager();
  const hub = new FakeChannelHub();
  return Array.from({ length: count }, () =>
    createTabSharing({ locks: locks.client(), channel: hub.tab().open, lifecycle: null }),
  );
}

const shown = (text: string) => screen.queryAllByText(text).length;

describe('share: tabs through the hooks', () => {
  it('three tabs in StrictMode: one request, every hook sees every state and event, shared: true', async () => {
    const server = createTestServer();
    const shares = tabsOf(3);
    const view = render(
      <StrictMode>
        {shares.map((share, i) => (
          <EventSourceProvider key={i} linger={0}>
            <Widget server={server} share={share} id={`tab${i}`} />
          </EventSourceProvider>
        ))}
      </StrictMode>,
    );
    const stream = await server.connected;
    await waitFor(() => expect(shown('1:::true:continuous')).toBe(3));
    expect(server).toHaveConnections(1);
    act(() => {
      stream.send({ id: '1', data: 'hi' });
      stream.send({ id: '2', event: 'alert', data: 'fire' });
    });
    await waitFor(() => expect(shown('1:fire:fire:true:continuous')).toBe(3));
    await flushFrames(3);
    expect(server.connections).toHaveLength(1);
    view.unmount();
  });

  it('without a share strategy the same hooks open one connection per provider (shared: false)', async () => {
    const server = createTestServer();
    render(
      <>
        <EventSourceProvider linger={0}>
          <Widget server={server} id="a" />
        </EventSourceProvider>
        <EventSourceProvider linger={0}>
          <Widget server={server} id="b" />
        </EventSourceProvider>
      </>,
    );
    await waitFor(() => expect(shown('1:::false:continuous')).toBe(2));
    expect(server.connections).toHaveLength(2);
  });
});
