// @vitest-environment jsdom
import { render, screen } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { useEventSource, useSSEEvent } from 'sse-hooks';
import {
  createTestServer,
  flushFrames,
  TestStreamProvider,
  type TestServer,
} from 'sse-hooks/testing';
import { failOnConsoleError } from './harness.js';

failOnConsoleError();
let server: TestServer;
beforeEach(() => {
  server = createTestServer();
});

const fast = { reconnect: { initialDelay: 20, jitter: false } };
const auth = () => server.connections.map((c) => c.headers.authorization);

describe('inline callbacks never reconnect', () => {
  it('an inline headers function: re-renders keep the stream, reconnects use the newest', async () => {
    function Feed({ token }: { token: string }) {
      const { status } = useEventSource('/feed', {
        ...fast,
        headers: () => ({ Authorization: `Bearer ${token}` }),
      });
      return <i data-testid="s">{status}</i>;
    }
    const app = (token: string) => (
      <TestStreamProvider server={server} strict>
        <Feed token={token} />
      </TestStreamProvider>
    );
    const view = render(app('t0'));
    await server.connected;
    await flushFrames();
    expect(screen.getByTestId('s').textContent).toBe('open');
    for (let i = 1; i <= 20; i++) view.rerender(app(`t${i}`));
    await flushFrames();
    expect(auth()).toEqual(['Bearer t0']);
    server.drop();
    await server.connected;
    expect(auth()).toEqual(['Bearer t0', 'Bearer t20']);
  });

  it('hooks with different header functions share unless their shareKey differs', async () => {
    function Feed({ id, shareKey }: { id: string; shareKey?: string }) {
      const { readyState } = useEventSource('/k', {
        ...fast,
        headers: () => ({ Authorization: id }),
        ...(shareKey ? { shareKey } : {}),
      });
      return <i data-testid={id}>{readyState}</i>;
    }
    render(
      <TestStreamProvider server={server} strict>
        <Feed id="a" />
        <Feed id="b" />
        <Feed id="c" shareKey="user-c" />
        <Feed id="d" shareKey="user-c" />
      </TestStreamProvider>,
    );
    await flushFrames();
    expect(screen.queryAllByText('1')).toHaveLength(4);
    expect(server).toHaveConnections(2);
    expect(server.connections).toHaveLength(2);
    // Each group connects with the function of the hook that took it first, and reconnects
    // with the newest hook's.
    expect(auth().sort()).toEqual(['a', 'c']);
    await server.connected;
    await server.connected;
    server.drop();
    await server.connected;
    await server.connected;
    expect(auth().slice(2).sort()).toEqual(['b', 'd']);
  });

  it('an inline provider headers function: no reconnect on re-render, newest on reconnect', async () => {
    function Feed() {
      const { status } = useEventSource('/p', fast);
      return <i data-testid="s">{status}</i>;
    }
    const app = (token: string) => (
      <TestStreamProvider server={server} options={{ headers: () => ({ Authorization: token }) }}>
        <Feed />
      </TestStreamProvider>
    );
    const view = render(app('p0'));
    await server.connected;
    await flushFrames();
    expect(screen.getByTestId('s').textContent).toBe('open');
    for (let i = 1; i <= 10; i++) view.rerender(app(`p${i}`));
    await flushFrames();
    expect(auth()).toEqual(['p0']);
    server.drop();
    await server.connected;
    expect(auth()).toEqual(['p0', 'p10']);
  });

  it('an inline onEvent: re-renders keep the stream and the newest callback is called', async () => {
    const calls: string[] = [];
    function Log({ tag }: { tag: string }) {
      useSSEEvent('/log', 'line', { onEvent: (e) => calls.push(`${tag}:${e.data}`) });
      return <i>{tag}</i>;
    }
    const app = (tag: string) => (
      <TestStreamProvider server={server} strict>
        <Log tag={tag} />
      </TestStreamProvider>
    );
    const view = render(app('a'));
    const stream = await server.connected;
    stream.send({ event: 'line', data: '1' });
    await flushFrames();
    expect(calls).toEqual(['a:1']);
    view.rerender(app('b'));
    stream.send({ event: 'line', data: '2' });
    await flushFrames();
    expect(calls).toEqual(['a:1', 'b:2']);
    expect(server.connections).toHaveLength(1);
  });
});
