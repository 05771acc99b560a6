import { render, screen } from '@testing-library/react';
import {
  createRenderCounter,
  createTestServer,
  flushFrames,
  streamWrapper,
} from 'sse-hooks/testing';
import { expect, it } from 'vitest';
import { AlertBanner } from './AlertBanner';
import type { DashboardEvents } from './dashboard';

it('shows typed alerts and does not re-render for other events', async () => {
  const server = createTestServer();
  const renders = createRenderCounter();
  render(
    <renders.Count id="banner">
      <AlertBanner />
    </renders.Count>,
    { wrapper: streamWrapper(server) },
  );
  const stream = await server.connected;
  await flushFrames();
  renders.reset();

  const tick: DashboardEvents['tick'] = { n: 1 };
  stream.send({ event: 'tick', data: tick });
  await flushFrames();
  expect(renders.count('banner')).toBe(0);
  expect(screen.queryByRole('alert')).toBeNull();

  const alert: DashboardEvents['alert'] = { level: 'critical', message: 'Disk full' };
  stream.send({ event: 'alert', data: alert });
  await flushFrames();
  expect(screen.getByRole('alert').textContent).toBe('Disk full');
  expect(screen.getByRole('alert').className).toBe('critical');
  expect(renders.count('banner')).toBe(1);
});
