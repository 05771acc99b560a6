// @vitest-environment jsdom
import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import { ConnectionRegistry } from 'sse-hooks/core';
import { SSEDevtools } from 'sse-hooks/devtools';
import { displayData, truncate } from '../../src/devtools/format.js';
import { ScriptedTransport, flush } from '../helpers/scriptedTransport.js';
import { StrictMode as Strict } from 'react';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

it('shows hostile data as text, truncated, with control characters visible', async () => {
  vi.useFakeTimers();
  const registry = new ConnectionRegistry({ linger: 0 });
  const transport = new ScriptedTransport();
  const { connection } = registry.acquire('http://x.test/hostile', { transport });
  await act(flush);
  transport.last.sink.open('http://x.test/hostile');
  const huge = 'y'.repeat(1024 * 1024);
  transport.last.sink.chunk(
    'event: html\ndata: <img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>\n\n' +
      'event: ctl\ndata: a\u0001b\u001b[31m\n\n' +
      `event: huge\ndata: ${huge}\n\n` +
      'event: json\ndata: {"a":[1,2]}\n\n',
  );
  expect(connection.inspect().events).toBe(4);
  const started = performance.now();
  render(
    <Strict>
      <SSEDevtools registry={registry} initialIsOpen />
    </Strict>,
  );
  const panel = screen.getByRole('complementary', { name: 'SSE devtools' });
  // Each event's data is shown once its row is opened.
  const rows = screen.getAllByTestId('sse-devtools-event') as HTMLDetailsElement[];
  expect(rows).toHaveLength(4);
  expect(panel.querySelector('pre')).toBeNull();
  act(() => {
    for (const row of rows) {
      row.open = true;
      row.dispatchEvent(new Event('toggle'));
    }
  });
  const elapsed = performance.now() - started;
  expect(panel.querySelector('img, script')).toBeNull();
  expect((window as { __pwned?: number }).__pwned).toBeUndefined();
  const text = panel.textContent ?? '';
  expect(text).toContain('<img src=x onerror="window.__pwned=1"><script>');
  expect(text).toContain('a\\u0001b\\u001b[31m');
  expect(text).toContain(`${'y'.repeat(2000)}… (${1024 * 1024 - 2000} more)`);
  expect(text).not.toContain('y'.repeat(2001));
  expect(text).toContain('{\n  "a": [\n    1,\n    2\n  ]\n}');
  // One render of a megabyte event is a few milliseconds of work, not a frozen page.
  expect(elapsed).toBeLessThan(1000);
  registry.closeAll();
});

it('samples only while open, and the buttons act on the connection', async () => {
  vi.useFakeTimers();
  const registry = new ConnectionRegistry({ linger: 0 });
  const transport = new ScriptedTransport();
  const { connection } = registry.acquire('http://x.test/s', { transport });
  const inspect = vi.spyOn(connection, 'inspect');
  render(
    <Strict>
      <SSEDevtools registry={registry} />
    </Strict>,
  );
  await act(() => vi.advanceTimersByTimeAsync(3000));
  expect(inspect).not.toHaveBeenCalled();
  act(() => screen.getByRole('button', { name: 'Open SSE devtools' }).click());
  await act(() => vi.advanceTimersByTimeAsync(1000));
  const calls = inspect.mock.calls.length;
  expect(calls).toBeGreaterThanOrEqual(2);
  expect(calls).toBeLessThanOrEqual(8);
  act(() => screen.getByRole('button', { name: /^Close$/ }).click());
  expect(connection.getSnapshot().status).toBe('closed');
  act(() => screen.getByRole('button', { name: 'Reopen' }).click());
  expect(connection.getSnapshot().status).toBe('connecting');
  act(() => screen.getByRole('button', { name: 'Close SSE devtools' }).click());
  const closedCalls = inspect.mock.calls.length;
  await act(() => vi.advanceTimersByTimeAsync(3000));
  expect(inspect.mock.calls.length).toBe(closedCalls);
  registry.closeAll();
});

it('formats for display', () => {
  expect(truncate('abc', 2)).toBe('ab… (1 more)');
  expect(displayData('not json {')).toBe('not json {');
  expect(displayData('{"broken":')).toBe('{"broken":');
});
