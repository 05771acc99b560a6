// @vitest-environment jsdom
import { act } from '@testing-library/react';
import { hydrateRoot, type Root } from 'react-dom/client';
import { renderToString } from 'react-dom/server';
import { afterEach, expect, it, vi } from 'vitest';
import { useEventSource, useSSEEvent } from 'sse-hooks';
import { createTestServer, flushFrames } from 'sse-hooks/testing';
import { failOnConsoleError, Strict } from './harness.js';

failOnConsoleError();
let root: Root | undefined;
afterEach(() => {
  act(() => root?.unmount());
  root = undefined;
});

it('hydrates the server HTML without mismatch, then connects', async () => {
  const server = createTestServer();
  function Page() {
    const { status, lastMessage } = useEventSource('/events');
    const alert = useSSEEvent('/events', 'alert');
    const off = useEventSource(null);
    return (
      <p data-testid="p">
        {status}|{lastMessage?.data ?? 'none'}|{alert?.data ?? 'no alert'}|{off.status}
      </p>
    );
  }
  const app = (
    <Strict server={server}>
      <Page />
    </Strict>
  );
  const html = renderToString(app);
  expect(html.replaceAll('<!-- -->', '')).toContain('connecting|none|no alert|closed');
  expect(server.connections).toHaveLength(0);

  const container = document.createElement('div');
  container.innerHTML = html;
  document.body.appendChild(container);
  const recoverable = vi.fn();
  act(() => {
    root = hydrateRoot(container, app, { onRecoverableError: recoverable });
  });
  (await server.connected).send({ event: 'alert', data: 'live' });
  await flushFrames();
  expect(container.textContent).toBe('open|live|live|closed');
  expect(recoverable).not.toHaveBeenCalled();
  expect(server.connections).toHaveLength(1);
  container.remove();
});
