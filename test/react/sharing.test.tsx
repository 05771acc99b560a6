// @vitest-environment jsdom
import { render, screen } from '@testing-library/react';
import { StrictMode, useEffect } from 'react';
import { describe, expect, it } from 'vitest';
import { EventSourceProvider, useEventSource } from '../../src/index.js';
import { frame, until } from '../helpers/sseServer.js';
import { sleep, Strict, withStreamServer, type Clients } from './harness.js';

let s: Clients;
withStreamServer((clients) => (s = clients));

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
    const url = s.server.url('/events');
    const view = render(
      <Strict linger={200}>
        {Array.from({ length: 50 }, (_, i) => (
          <Widget key={i} url={url} />
        ))}
      </Strict>,
    );
    await until(() => screen.queryAllByText('1:').length === 50, 5000, '50 open widgets');
    expect(s.server.openStreams()).toBe(1);
    expect(s.server.requests).toHaveLength(1);

    s.send(frame({ data: 'hi' }));
    await until(() => screen.queryAllByText('1:hi').length === 50, 5000, 'message in 50 widgets');

    view.unmount();
    await sleep(80);
    expect(s.server.openStreams()).toBe(1); // still lingering
    await s.server.waitFor((n) => n === 0, 3000);
    expect(s.server.requests).toHaveLength(1);
  });

  it('StrictMode mount, unmount and remount within the linger open one connection', async () => {
    const url = s.server.url('/events');
    // StrictMode already mounts, unmounts and remounts every effect once; then a real unmount
    // and remount of the widget under the same provider, within the linger.
    const app = (show: boolean) => (
      <Strict linger={300}>{show ? <Widget url={url} /> : <b>gone</b>}</Strict>
    );
    const view = render(app(true));
    await until(() => screen.queryByText('1:') !== null, 5000, 'open');
    expect(s.server.requests).toHaveLength(1);
    view.rerender(app(false));
    await sleep(100);
    view.rerender(app(true));
    await until(() => screen.queryByText('1:') !== null, 5000, 'open again');
    await sleep(400); // past the linger: the remount kept it
    expect(s.server.requests).toHaveLength(1);
    expect(s.server.openStreams()).toBe(1);
  });

  it('hooks outside any provider share through the default registry', async () => {
    const url = s.server.url('/default');
    render(
      <StrictMode>
        <Widget url={url} id="a" />
        <Widget url={url} id="b" />
      </StrictMode>,
    );
    await until(() => screen.queryAllByText('1:').length === 2, 5000, 'open');
    expect(s.server.requests).toHaveLength(1);
  });

  it('two providers never share a connection', async () => {
    const url = s.server.url('/events');
    render(
      <StrictMode>
        <EventSourceProvider linger={50}>
          <Widget url={url} id="a" />
        </EventSourceProvider>
        <EventSourceProvider linger={50}>
          <Widget url={url} id="b" />
        </EventSourceProvider>
      </StrictMode>,
    );
    await until(() => screen.queryAllByText('1:').length === 2, 5000, 'open');
    expect(s.server.openStreams()).toBe(2);
  });

  it('a url change moves the hook to the new connection and releases the old one', async () => {
    const a = s.server.url('/a');
    const b = s.server.url('/b');
    const view = render(
      <Strict>
        <Widget url={a} />
      </Strict>,
    );
    await until(() => screen.queryByText('1:') !== null, 5000, 'open on /a');
    view.rerender(
      <Strict>
        <Widget url={b} />
      </Strict>,
    );
    await until(() => s.server.requests.some((r) => r.url === '/b'), 5000, 'request to /b');
    await s.server.waitFor((n) => n === 1, 3000); // /a closed after the linger
    expect([...s.server.requests.map((r) => r.url)]).toEqual(['/a', '/b']);
    s.send(frame({ data: 'from-b' }), '/b');
    await until(() => screen.queryByText('1:from-b') !== null, 5000, 'message from /b');
  });

  it('an options change moves the hook too; equal options in new objects do not', async () => {
    function Auth({ token }: { token: string }) {
      const { readyState } = useEventSource(s.server.url('/auth'), {
        headers: { Authorization: `Bearer ${token}` },
      });
      return <i>{readyState}</i>;
    }
    const view = render(
      <Strict>
        <Auth token="one" />
      </Strict>,
    );
    await until(() => screen.queryByText('1') !== null, 5000, 'open');
    view.rerender(
      <Strict>
        <Auth token="one" />
      </Strict>,
    );
    await sleep(50);
    expect(s.server.requests).toHaveLength(1);
    view.rerender(
      <Strict>
        <Auth token="two" />
      </Strict>,
    );
    await until(() => s.server.requests.length === 2, 5000, 'second request');
    expect(s.server.requests.map((r) => r.headers.authorization)).toEqual([
      'Bearer one',
      'Bearer two',
    ]);
    await s.server.waitFor((n) => n === 1, 3000);
  });

  it('enabled: false and a null url connect nothing', async () => {
    function Off() {
      const off = useEventSource(s.server.url('/off'), { enabled: false });
      const none = useEventSource(null);
      return (
        <i>
          {off.status}/{off.readyState} {none.status}/{none.readyState}
        </i>
      );
    }
    render(
      <Strict>
        <Off />
      </Strict>,
    );
    await sleep(300);
    expect(s.server.requests).toHaveLength(0);
    expect(screen.getByText('closed/2 closed/2')).toBeTruthy();
  });

  it('turning enabled off releases the connection, on again reconnects', async () => {
    function Toggle({ on }: { on: boolean }) {
      const { status } = useEventSource(s.server.url('/t'), { enabled: on });
      return <i>{status}</i>;
    }
    const view = render(
      <Strict>
        <Toggle on />
      </Strict>,
    );
    await until(() => screen.queryByText('open') !== null, 5000, 'open');
    view.rerender(
      <Strict>
        <Toggle on={false} />
      </Strict>,
    );
    expect(screen.getByText('closed')).toBeTruthy();
    await s.server.waitFor((n) => n === 0, 3000);
    view.rerender(
      <Strict>
        <Toggle on />
      </Strict>,
    );
    await until(() => screen.queryByText('open') !== null, 5000, 'open again');
    expect(s.server.requests).toHaveLength(2);
  });

  it('turning enabled off and on within the linger reuses the connection and shows its state', async () => {
    function Toggle({ on }: { on: boolean }) {
      const { status } = useEventSource(s.server.url('/quick'), { enabled: on });
      return <i>{status}</i>;
    }
    const app = (on: boolean) => (
      <Strict linger={1000}>
        <Toggle on={on} />
      </Strict>
    );
    const view = render(app(true));
    await until(() => screen.queryByText('open') !== null, 5000, 'open');
    view.rerender(app(false));
    expect(screen.getByText('closed')).toBeTruthy();
    view.rerender(app(true));
    await until(() => screen.queryByText('open') !== null, 5000, 'open again');
    expect(s.server.requests).toHaveLength(1);
  });

  it('a hook mounted next to an open stream shows its state in its first commit', async () => {
    const url = s.server.url('/late');
    const committed: number[] = [];
    function Late() {
      const { readyState } = useEventSource(url);
      useEffect(() => {
        committed.push(readyState);
      });
      return null;
    }
    const app = (late: boolean) => (
      <Strict>
        <Widget url={url} />
        {late && <Late />}
      </Strict>
    );
    const view = render(app(false));
    await until(() => screen.queryByText('1:') !== null, 5000, 'open');
    view.rerender(app(true));
    expect(committed[0]).toBe(1);
    expect(s.server.requests).toHaveLength(1);
  });

  it('a provider options change moves its hooks; new objects with equal values do not', async () => {
    function Feed() {
      const { readyState } = useEventSource(s.server.url('/defaults'));
      return <i>{readyState}</i>;
    }
    const app = (token: string) => (
      <Strict options={{ headers: { Authorization: token } }}>
        <Feed />
      </Strict>
    );
    const view = render(app('one'));
    await until(() => screen.queryByText('1') !== null, 5000, 'open');
    view.rerender(app('one'));
    await sleep(50);
    expect(s.server.requests).toHaveLength(1);
    view.rerender(app('two'));
    await until(() => s.server.requests.length === 2, 5000, 'second request');
    expect(s.server.requests.map((r) => r.headers.authorization)).toEqual(['one', 'two']);
  });

  it('open and close are stable and act on the shared stream', async () => {
    const seen = new Set<unknown>();
    let controls: { open: () => void; close: () => void } | undefined;
    function Panel() {
      const { status, open, close } = useEventSource(s.server.url('/p'));
      // Committed identities (React 18 discards the state of StrictMode's first mount render).
      useEffect(() => {
        seen.add(open);
        seen.add(close);
        controls = { open, close };
      });
      return <i>{status}</i>;
    }
    render(
      <Strict>
        <Panel />
        <Widget url={s.server.url('/p')} />
      </Strict>,
    );
    await until(() => screen.queryByText('open') !== null, 5000, 'open');
    controls!.close();
    await until(() => screen.queryByText('closed') !== null, 5000, 'closed');
    expect(screen.getByTestId('w').textContent).toBe('2:');
    await s.server.waitFor((n) => n === 0, 3000);
    controls!.open();
    await until(() => screen.queryByText('open') !== null, 5000, 'reopened');
    expect(s.server.requests).toHaveLength(2);
    expect(seen.size).toBe(2);
  });
});
