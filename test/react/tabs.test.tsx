// @vitest-environment jsdom
import { render, screen } from '@testing-library/react';
import { StrictMode } from 'react';
import { describe, expect, it } from 'vitest';
import { EventSourceProvider, useEventSource, useSSEEvent } from '../../src/index.js';
import type { ShareStrategy } from '../../src/core/connection.js';
import { createTabSharing } from '../../src/core/tabs.js';
import { FakeChannelHub, FakeLockManager } from '../helpers/fakeTabs.js';
import { frame, until } from '../helpers/sseServer.js';
import { sleep, withStreamServer, type Clients } from './harness.js';

let s: Clients;
withStreamServer((clients) => (s = clients));

function Widget({ url, share, id }: { url: string; share: ShareStrategy; id: string }) {
  const { readyState, lastMessage, shared, continuity } = useEventSource(url, { share });
  const alert = useSSEEvent(url, 'alert', { share });
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

describe('share: tabs through the hooks', () => {
  it('three tabs in StrictMode: one request, every hook sees every state and event, shared: true', async () => {
    const url = s.server.url('/events');
    const shares = tabsOf(3);
    const view = render(
      <StrictMode>
        {shares.map((share, i) => (
          <EventSourceProvider key={i}>
            <Widget url={url} share={share} id={`tab${i}`} />
          </EventSourceProvider>
        ))}
      </StrictMode>,
    );
    await until(() => screen.queryAllByText('1:::true:continuous').length === 3, 5000, 'open');
    expect(s.server.requests).toHaveLength(1);
    s.send(frame({ id: 1, data: 'hi' }) + frame({ id: 2, event: 'alert', data: 'fire' }));
    await until(
      () => screen.queryAllByText('1:fire:fire:true:continuous').length === 3,
      5000,
      'events in every tab',
    );
    await sleep(100);
    expect(s.server.requests).toHaveLength(1);
    view.unmount();
  });

  it('without a share strategy the same hooks open one connection per provider (shared: false)', async () => {
    const url = s.server.url('/events');
    render(
      <>
        <EventSourceProvider>
          <Widget url={url} share={undefined as unknown as ShareStrategy} id="a" />
        </EventSourceProvider>
        <EventSourceProvider>
          <Widget url={url} share={undefined as unknown as ShareStrategy} id="b" />
        </EventSourceProvider>
      </>,
    );
    await until(() => screen.queryAllByText('1:::false:continuous').length === 2, 5000, 'open');
    expect(s.server.requests).toHaveLength(2);
  });
});
