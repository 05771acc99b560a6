// @vitest-environment jsdom
import { render, screen } from '@testing-library/react';
import { Profiler, useLayoutEffect, type ProfilerOnRenderCallback } from 'react';
import { useEventSource, useSSEEvent } from 'sse-hooks';
import {
  advanceTime,
  createTestServer,
  flushFrames,
  TestStreamProvider,
  type TestServer,
} from 'sse-hooks/testing';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { failOnConsoleError, Strict } from './harness.js';

failOnConsoleError();
let server: TestServer;
let commits: string[];
const onRender: ProfilerOnRenderCallback = (_id, phase) => {
  commits.push(phase);
};
beforeEach(() => {
  server = createTestServer();
  commits = [];
});

function Status() {
  const { status, lastMessage } = useEventSource('/s');
  return (
    <i data-testid="s">
      {status}:{lastMessage?.data ?? ''}
    </i>
  );
}

describe('renders (React Profiler commits)', () => {
  it('the first hook on a stream commits once on mount and once per state change', async () => {
    render(
      <TestStreamProvider server={server} strict>
        <Profiler id="status" onRender={onRender}>
          <Status />
        </Profiler>
      </TestStreamProvider>,
    );
    expect(commits).toEqual(['mount']);
    expect(screen.getByTestId('s').textContent).toBe('connecting:');
    const stream = await server.connected;
    await flushFrames();
    expect(screen.getByTestId('s').textContent).toBe('open:');
    expect(commits).toEqual(['mount', 'update']);
    stream.send({ data: 'a' });
    await flushFrames();
    expect(commits).toHaveLength(3);
    // A burst within one frame is one commit, with the last message.
    for (const data of ['b', 'c', 'd']) stream.send({ data });
    await flushFrames();
    expect(screen.getByTestId('s').textContent).toBe('open:d');
    expect(commits).toHaveLength(4);
  });

  it("a url change commits the new stream's state, never the old one's", async () => {
    const shown: string[] = [];
    function Feed({ url }: { url: string }) {
      const { status, lastMessage } = useEventSource(url);
      const text = `${url} ${status}:${lastMessage?.data ?? ''}`;
      useLayoutEffect(() => {
        shown.push(text);
      });
      return <i>{text}</i>;
    }
    const app = (url: string) => (
      <TestStreamProvider server={server} strict>
        <Feed url={url} />
      </TestStreamProvider>
    );
    const view = render(app('/a'));
    (await server.connected).send({ data: 'old' });
    await flushFrames(2);
    expect(shown.at(-1)).toBe('/a open:old');
    shown.length = 0;
    view.rerender(app('/b'));
    expect(shown[0]).toBe('/b connecting:');
    await server.connected;
    await flushFrames();
    expect(shown.at(-1)).toBe('/b open:');
    expect(shown.filter((text) => text.includes('old'))).toEqual([]);
  });

  it('a hook that reads only readyState commits nothing for messages', async () => {
    function Ready() {
      return <i>{useEventSource('/s').readyState}</i>;
    }
    render(
      <TestStreamProvider server={server} strict>
        <Profiler id="ready" onRender={onRender}>
          <Ready />
        </Profiler>
      </TestStreamProvider>,
    );
    const stream = await server.connected;
    await flushFrames();
    expect(commits).toEqual(['mount', 'update']);
    for (let i = 0; i < 5; i++) {
      stream.send({ data: `${i}` });
      await flushFrames();
    }
    expect(commits).toEqual(['mount', 'update']);
  });

  it('useSSEEvent commits only for its own type', async () => {
    function Alert() {
      return <i data-testid="a">{useSSEEvent('/s', 'alert')?.data ?? '-'}</i>;
    }
    render(
      <TestStreamProvider server={server} strict>
        <Profiler id="alert" onRender={onRender}>
          <Alert />
        </Profiler>
      </TestStreamProvider>,
    );
    const stream = await server.connected;
    await flushFrames();
    stream.send({ event: 'update', data: 'u' });
    await flushFrames();
    expect(commits).toEqual(['mount']);
    stream.send({ event: 'alert', data: 'x' });
    await flushFrames();
    expect(screen.getByTestId('a').textContent).toBe('x');
    expect(commits).toEqual(['mount', 'update']);
  });

  it('50 hooks in StrictMode: one connection, one commit per change, closed after the linger', async () => {
    vi.useFakeTimers();
    const view = render(
      <Strict server={server} linger={200}>
        <Profiler id="fifty" onRender={onRender}>
          {Array.from({ length: 50 }, (_, i) => (
            <Status key={i} />
          ))}
        </Profiler>
      </Strict>,
    );
    const stream = await server.connected;
    await flushFrames();
    expect(screen.queryAllByText('open:')).toHaveLength(50);
    expect(commits).toEqual(['mount', 'update']);
    stream.send({ data: 'hi' });
    await flushFrames();
    expect(screen.queryAllByText('open:hi')).toHaveLength(50);
    expect(commits).toHaveLength(3);
    expect(server.connections).toHaveLength(1);
    view.unmount();
    await advanceTime(199);
    expect(server).toHaveConnections(1);
    await advanceTime(1);
    expect(server).toHaveConnections(0);
    expect(server.connections).toHaveLength(1);
  });
});
