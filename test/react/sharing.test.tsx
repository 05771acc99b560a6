// @vitest-environment jsdom
import { act, render, screen } from '@testing-library/react';
import { StrictMode, useEffect } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { useEventSource } from 'sse-hooks';
import {
  advanceTime,
  createTestServer,
  flushFrames,
  TestStreamProvider,
  type TestServer,
} from 'sse-hooks/testing';
import { failOnConsoleError, Strict } from './harness.js';

failOnConsoleError();
let server: TestServer;
beforeEach(() => {
  server = createTestServer();
});

function Widget({ url, id = 'w' }: { url: string | null; id?: string }) {
  const { readyState, lastMessage } = useEventSource(url);
  return (
    <i data-testid={id}>
      {readyState}:{lastMessage?.data ?? ''}
    </i>
  );
}

describe('connection sharing', () => {
  it('50 hooks on one url open one connection, closed a linger after the last unmount', async () => {
    vi.useFakeTimers();
    const view = render(
      <Strict server={server} linger={200}>
        {Array.from({ length: 50 }, (_, i) => (
          <Widget key={i} url="/events" />
        ))}
      </Strict>,
    );
    await server.connected;
    await flushFrames();
    expect(screen.queryAllByText('1:')).toHaveLength(50);
    expect(server).toHaveConnections(1);
    expect(server.connections).toHaveLength(1);

    server.send({ data: 'hi' });
    await flushFrames();
    expect(screen.queryAllByText('1:hi')).toHaveLength(50);

    view.unmount();
    await advanceTime(199);
    expect(server).toHaveConnections(1); // still lingering
    await advanceTime(1);
    expect(server).toHaveConnections(0);
    expect(server.connections).toHaveLength(1);
  });

  it('StrictMode mount, unmount and remount within the linger open one connection', async () => {
    vi.useFakeTimers();
    // StrictMode already mounts, unmounts and remounts every effect once; then a real unmount
    // and remount of the widget under the same provider, within the linger.
    const app = (show: boolean) => (
      <Strict server={server} linger={300}>
        {show ? <Widget url="/events" /> : <b>gone</b>}
      </Strict>
    );
    const view = render(app(true));
    await server.connected;
    await flushFrames();
    expect(screen.queryByText('1:')).not.toBeNull();
    view.rerender(app(false));
    await advanceTime(100);
    view.rerender(app(true));
    await flushFrames();
    expect(screen.queryByText('1:')).not.toBeNull();
    await advanceTime(400); // past the linger: the remount kept it
    expect(server.connections).toHaveLength(1);
    expect(server).toHaveConnections(1);
  });

  it('hooks outside any provider share through the default registry', async () => {
    // No provider, so no fetch option: the hooks reach the server through the global fetch.
    vi.stubGlobal('fetch', server.fetch);
    vi.useFakeTimers();
    const view = render(
      <StrictMode>
        <Widget url="/default" id="a" />
        <Widget url="/default" id="b" />
      </StrictMode>,
    );
    await server.connected;
    await flushFrames();
    expect(screen.queryAllByText('1:')).toHaveLength(2);
    expect(server.connections).toHaveLength(1);
    // The default registry outlives the test: its linger (1 s) closes the connection.
    view.unmount();
    await advanceTime(1000);
    expect(server).toHaveConnections(0);
  });

  it('two providers never share a connection', async () => {
    render(
      <StrictMode>
        <TestStreamProvider server={server}>
          <Widget url="/events" id="a" />
        </TestStreamProvider>
        <TestStreamProvider server={server}>
          <Widget url="/events" id="b" />
        </TestStreamProvider>
      </StrictMode>,
    );
    await flushFrames();
    expect(screen.queryAllByText('1:')).toHaveLength(2);
    expect(server).toHaveConnections(2);
  });

  it('a url change moves the hook to the new connection and releases the old one', async () => {
    const a = server.route('/a');
    const b = server.route('/b');
    const app = (url: string) => (
      <TestStreamProvider server={server} strict>
        <Widget url={url} />
      </TestStreamProvider>
    );
    const view = render(app('/a'));
    const first = await a.connected;
    await flushFrames();
    expect(screen.queryByText('1:')).not.toBeNull();
    view.rerender(app('/b'));
    await b.connected;
    expect(await first.closed).toBe('aborted');
    expect(server.connections.map((c) => new URL(c.url).pathname)).toEqual(['/a', '/b']);
    expect(a).toHaveConnections(0);
    b.send({ data: 'from-b' });
    await flushFrames();
    expect(screen.queryByText('1:from-b')).not.toBeNull();
  });

  it('an options change moves the hook too; equal options in new objects do not', async () => {
    function Auth({ token }: { token: string }) {
      const { readyState } = useEventSource('/auth', {
        headers: { Authorization: `Bearer ${token}` },
      });
      return <i>{readyState}</i>;
    }
    const app = (token: string) => (
      <TestStreamProvider server={server} strict>
        <Auth token={token} />
      </TestStreamProvider>
    );
    const view = render(app('one'));
    const first = await server.connected;
    await flushFrames();
    expect(screen.queryByText('1')).not.toBeNull();
    view.rerender(app('one'));
    await flushFrames();
    expect(server.connections).toHaveLength(1);
    view.rerender(app('two'));
    await server.connected;
    expect(server.connections.map((c) => c.headers.authorization)).toEqual([
      'Bearer one',
      'Bearer two',
    ]);
    await first.closed;
    expect(server).toHaveConnections(1);
  });

  it('enabled: false and a null url connect nothing', async () => {
    function Off() {
      const off = useEventSource('/off', { enabled: false });
      const none = useEventSource(null);
      return (
        <i>
          {off.status}/{off.readyState} {none.status}/{none.readyState}
        </i>
      );
    }
    render(
      <TestStreamProvider server={server} strict>
        <Off />
      </TestStreamProvider>,
    );
    await flushFrames(2);
    expect(server.connections).toHaveLength(0);
    expect(screen.getByText('closed/2 closed/2')).toBeTruthy();
  });

  it('with enabled: false, open() does nothing: the hook holds no connection to open', async () => {
    let api: ReturnType<typeof useEventSource> | undefined;
    function Off() {
      api = useEventSource('/off', { enabled: false });
      return <i>{api.status}</i>;
    }
    render(
      <TestStreamProvider server={server} strict>
        <Off />
      </TestStreamProvider>,
    );
    act(() => api!.open());
    await flushFrames(2);
    expect(server.connections).toHaveLength(0);
    expect(screen.getByText('closed')).toBeTruthy();
  });

  it('turning enabled off releases the connection, on again reconnects', async () => {
    function Toggle({ on }: { on: boolean }) {
      const { status } = useEventSource('/t', { enabled: on });
      return <i>{status}</i>;
    }
    const app = (on: boolean) => (
      <TestStreamProvider server={server} strict>
        <Toggle on={on} />
      </TestStreamProvider>
    );
    const view = render(app(true));
    const first = await server.connected;
    await flushFrames();
    expect(screen.queryByText('open')).not.toBeNull();
    view.rerender(app(false));
    expect(screen.getByText('closed')).toBeTruthy();
    await first.closed;
    expect(server).toHaveConnections(0);
    view.rerender(app(true));
    await server.connected;
    await flushFrames();
    expect(screen.queryByText('open')).not.toBeNull();
    expect(server.connections).toHaveLength(2);
  });

  it('turning enabled off and on within the linger reuses the connection and shows its state', async () => {
    function Toggle({ on }: { on: boolean }) {
      const { status } = useEventSource('/quick', { enabled: on });
      return <i>{status}</i>;
    }
    const app = (on: boolean) => (
      <Strict server={server} linger={1000}>
        <Toggle on={on} />
      </Strict>
    );
    const view = render(app(true));
    await server.connected;
    await flushFrames();
    expect(screen.queryByText('open')).not.toBeNull();
    view.rerender(app(false));
    expect(screen.getByText('closed')).toBeTruthy();
    view.rerender(app(true));
    await flushFrames();
    expect(screen.queryByText('open')).not.toBeNull();
    expect(server.connections).toHaveLength(1);
  });

  it('a hook mounted next to an open stream shows its state in its first commit', async () => {
    const committed: number[] = [];
    function Late() {
      const { readyState } = useEventSource('/late');
      useEffect(() => {
        committed.push(readyState);
      });
      return null;
    }
    const app = (late: boolean) => (
      <TestStreamProvider server={server} strict>
        <Widget url="/late" />
        {late && <Late />}
      </TestStreamProvider>
    );
    const view = render(app(false));
    await server.connected;
    await flushFrames();
    expect(screen.queryByText('1:')).not.toBeNull();
    view.rerender(app(true));
    expect(committed[0]).toBe(1);
    expect(server.connections).toHaveLength(1);
  });

  it('a provider options change moves its hooks; new objects with equal values do not', async () => {
    function Feed() {
      const { readyState } = useEventSource('/defaults');
      return <i>{readyState}</i>;
    }
    const app = (token: string) => (
      <TestStreamProvider server={server} strict options={{ headers: { Authorization: token } }}>
        <Feed />
      </TestStreamProvider>
    );
    const view = render(app('one'));
    await server.connected;
    await flushFrames();
    expect(screen.queryByText('1')).not.toBeNull();
    view.rerender(app('one'));
    await flushFrames();
    expect(server.connections).toHaveLength(1);
    view.rerender(app('two'));
    await server.connected;
    expect(server.connections.map((c) => c.headers.authorization)).toEqual(['one', 'two']);
  });

  it('open and close are stable and act on the shared stream', async () => {
    const seen = new Set<unknown>();
    let controls: { open: () => void; close: () => void } | undefined;
    function Panel() {
      const { status, open, close } = useEventSource('/p');
      // Committed identities (React 18 discards the state of StrictMode's first mount render).
      useEffect(() => {
        seen.add(open);
        seen.add(close);
        controls = { open, close };
      });
      return <i>{status}</i>;
    }
    render(
      <TestStreamProvider server={server} strict>
        <Panel />
        <Widget url="/p" />
      </TestStreamProvider>,
    );
    const first = await server.connected;
    await flushFrames();
    expect(screen.queryByText('open')).not.toBeNull();
    controls!.close();
    await flushFrames();
    expect(screen.queryByText('closed')).not.toBeNull();
    expect(screen.getByTestId('w').textContent).toBe('2:');
    expect(first.state).toBe('aborted');
    expect(server).toHaveConnections(0);
    controls!.open();
    await server.connected;
    await flushFrames();
    expect(screen.queryByText('open')).not.toBeNull();
    expect(server.connections).toHaveLength(2);
    expect(seen.size).toBe(2);
  });
});
