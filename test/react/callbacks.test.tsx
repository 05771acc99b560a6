// @vitest-environment jsdom
import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { EventSourceProvider, useEventSource, useSSEEvent } from '../../src/index.js';
import { frame, until } from '../helpers/sseServer.js';
import { sleep, Strict, withStreamServer, type Clients } from './harness.js';

let s: Clients;
withStreamServer((clients) => (s = clients));

const fast = { reconnect: { initialDelay: 50, jitter: false } };
const auth = () => s.server.requests.map((r) => r.headers.authorization);

describe('inline callbacks never reconnect', () => {
  it('an inline headers function: re-renders keep the stream, reconnects use the newest', async () => {
    function Feed({ token }: { token: string }) {
      const { status } = useEventSource(s.server.url('/feed'), {
        ...fast,
        headers: () => ({ Authorization: `Bearer ${token}` }),
      });
      return <i data-testid="s">{status}</i>;
    }
    const view = render(
      <Strict>
        <Feed token="t0" />
      </Strict>,
    );
    await until(() => screen.getByTestId('s').textContent === 'open', 5000, 'open');
    for (let i = 1; i <= 20; i++) {
      view.rerender(
        <Strict>
          <Feed token={`t${i}`} />
        </Strict>,
      );
    }
    await sleep(100);
    expect(auth()).toEqual(['Bearer t0']);
    s.server.dropAll();
    await until(() => s.server.requests.length === 2, 5000, 'reconnect');
    expect(auth()).toEqual(['Bearer t0', 'Bearer t20']);
  });

  it('hooks with different header functions share unless their shareKey differs', async () => {
    function Feed({ id, shareKey }: { id: string; shareKey?: string }) {
      const { readyState } = useEventSource(s.server.url('/k'), {
        headers: () => ({ Authorization: id }),
        ...(shareKey ? { shareKey } : {}),
      });
      return <i data-testid={id}>{readyState}</i>;
    }
    render(
      <Strict>
        <Feed id="a" />
        <Feed id="b" />
        <Feed id="c" shareKey="user-c" />
        <Feed id="d" shareKey="user-c" />
      </Strict>,
    );
    await until(() => screen.queryAllByText('1').length === 4, 5000, 'open');
    await sleep(50);
    expect(s.server.requests).toHaveLength(2);
    expect(auth().sort()).toEqual(['b', 'd']); // the newest function of each group
  });

  it('an inline provider headers function: no reconnect on re-render, newest on reconnect', async () => {
    function Feed() {
      const { status } = useEventSource(s.server.url('/p'), fast);
      return <i data-testid="s">{status}</i>;
    }
    const app = (token: string) => (
      <EventSourceProvider linger={50} options={{ headers: () => ({ Authorization: token }) }}>
        <Feed />
      </EventSourceProvider>
    );
    const view = render(app('p0'));
    await until(() => screen.getByTestId('s').textContent === 'open', 5000, 'open');
    for (let i = 1; i <= 10; i++) view.rerender(app(`p${i}`));
    await sleep(100);
    expect(auth()).toEqual(['p0']);
    s.server.dropAll();
    await until(() => s.server.requests.length === 2, 5000, 'reconnect');
    expect(auth()).toEqual(['p0', 'p10']);
  });

  it('an inline onEvent: re-renders keep the stream and the newest callback is called', async () => {
    const calls: string[] = [];
    function Log({ tag }: { tag: string }) {
      useSSEEvent(s.server.url('/log'), 'line', { onEvent: (e) => calls.push(`${tag}:${e.data}`) });
      return <i>{tag}</i>;
    }
    const view = render(
      <Strict>
        <Log tag="a" />
      </Strict>,
    );
    await until(() => s.open.size === 1, 5000, 'open');
    await sleep(50);
    s.send(frame({ event: 'line', data: '1' }));
    await until(() => calls.length === 1, 5000, 'first');
    view.rerender(
      <Strict>
        <Log tag="b" />
      </Strict>,
    );
    s.send(frame({ event: 'line', data: '2' }));
    await until(() => calls.length === 2, 5000, 'second');
    expect(calls).toEqual(['a:1', 'b:2']);
    expect(s.server.requests).toHaveLength(1);
  });
});
