// @vitest-environment jsdom
import { act, render, screen } from '@testing-library/react';
import { StrictMode } from 'react';
import { EventSourceProvider, useEventSource, useSSEEvent } from 'sse-hooks';
import { flushFrames } from 'sse-hooks/testing';
import { beforeEach, expect, it, vi } from 'vitest';
import { failOnConsoleError } from './harness.js';

failOnConsoleError();

/** The browser's EventSource as the native transport drives it: the test plays the server. */
class FakeEventSource extends EventTarget {
  static made: FakeEventSource[] = [];
  readyState = 0;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    super();
    FakeEventSource.made.push(this);
  }
  close() {
    this.readyState = 2;
  }
}

beforeEach(() => {
  FakeEventSource.made = [];
  vi.stubGlobal('EventSource', FakeEventSource);
});

it("hooks on transport 'native' share one browser EventSource", async () => {
  function Feed() {
    const { status, lastMessage } = useEventSource('http://x.test/n', { transport: 'native' });
    const alert = useSSEEvent('http://x.test/n', 'alert', { transport: 'native' });
    return (
      <i data-testid="f">
        {status}:{lastMessage?.data ?? ''}:{alert?.data ?? ''}
      </i>
    );
  }
  render(
    <StrictMode>
      <EventSourceProvider linger={0}>
        <Feed />
        <Feed />
      </EventSourceProvider>
    </StrictMode>,
  );
  await flushFrames();
  expect(FakeEventSource.made.map((es) => es.url)).toEqual(['http://x.test/n']);
  const [es] = FakeEventSource.made;
  act(() => {
    es!.readyState = 1;
    es!.onopen?.();
  });
  es!.dispatchEvent(new MessageEvent('message', { data: 'hi' }));
  es!.dispatchEvent(new MessageEvent('alert', { data: 'fire' }));
  await flushFrames();
  expect(screen.getAllByTestId('f').map((el) => el.textContent)).toEqual([
    'open:fire:fire',
    'open:fire:fire',
  ]);
});
