// @vitest-environment jsdom
import { hydrateRoot, type Root } from 'react-dom/client';
import { renderToString } from 'react-dom/server';
import { afterEach, expect, it, vi } from 'vitest';
import { useEventSource, useSSEEvent } from '../../src/index.js';
import { frame, until } from '../helpers/sseServer.js';
import { startStreams, Strict, type Clients } from './harness.js';

let s: Clients | undefined;
let root: Root | undefined;
afterEach(async () => {
  root?.unmount();
  vi.restoreAllMocks();
  await s?.server.close();
});

it('hydrates the server HTML without mismatch, then connects', async () => {
  s = await startStreams((_req, res) => res.write(frame({ event: 'alert', data: 'live' })));
  const url = s.server.url('/events');
  function Page() {
    const { status, lastMessage } = useEventSource(url);
    const alert = useSSEEvent(url, 'alert');
    const off = useEventSource(null);
    return (
      <p data-testid="p">
        {status}|{lastMessage?.data ?? 'none'}|{alert?.data ?? 'no alert'}|{off.status}
      </p>
    );
  }
  const app = (
    <Strict>
      <Page />
    </Strict>
  );
  const html = renderToString(app);
  expect(s.server.requests).toHaveLength(0);

  const container = document.createElement('div');
  container.innerHTML = html;
  document.body.appendChild(container);
  const errors = vi.spyOn(console, 'error');
  const recoverable = vi.fn();
  root = hydrateRoot(container, app, { onRecoverableError: recoverable });
  await until(
    () => container.textContent === 'open|live|live|closed',
    5000,
    'connected after hydration',
  );
  expect(recoverable).not.toHaveBeenCalled();
  expect(errors).not.toHaveBeenCalled();
  expect(s.server.requests).toHaveLength(1);
});
