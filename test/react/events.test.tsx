// @vitest-environment jsdom
import { render, screen } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ConnectionRegistry,
  defineStream,
  shallowEqual,
  useEventSource,
  useSSEEvent,
  type SSEError,
} from '../../src/index.js';
import { frame, until } from '../helpers/sseServer.js';
import { Renders, sleep, Strict, withStreamServer, type Clients } from './harness.js';

let s: Clients;
let renders: Renders;
withStreamServer((clients) => (s = clients));
beforeEach(() => {
  renders = new Renders();
});

const text = (id: string) => screen.getByTestId(id).textContent;

function Last({ url, type }: { url: string; type: string }) {
  const event = useSSEEvent(url, type);
  return <i data-testid={type}>{event?.data ?? '-'}</i>;
}

describe('named events', () => {
  it('reach only the hooks of their type', async () => {
    const url = s.server.url('/events');
    const { Count } = renders;
    render(
      <Strict>
        <Count id="alert">
          <Last url={url} type="alert" />
        </Count>
        <Count id="update">
          <Last url={url} type="update" />
        </Count>
      </Strict>,
    );
    await until(() => s.open.size === 1, 5000, 'connection');
    s.send(frame({ event: 'alert', data: 'a1' }));
    await until(() => text('alert') === 'a1', 5000, 'first alert');
    renders.reset();

    for (let i = 1; i <= 5; i++) {
      s.send(frame({ event: 'update', data: `u${i}` }));
      await sleep(30); // separate frames: each may render
    }
    await until(() => text('update') === 'u5', 5000, 'updates');
    expect(renders.get('alert')).toBe(0);
    expect(renders.get('update')).toBeGreaterThan(0);
    expect(s.server.requests).toHaveLength(1);

    renders.reset();
    s.send(frame({ event: 'alert', data: 'a2' }));
    await until(() => text('alert') === 'a2', 5000, 'second alert');
    expect(renders.get('update')).toBe(0);
  });

  it('a burst of 1,000 events renders a few times; onEvent sees all 1,000 in order', async () => {
    const url = s.server.url('/burst');
    const got: string[] = [];
    function Ticker() {
      const last = useSSEEvent(url, 'tick', { onEvent: (e) => got.push(e.data) });
      return <i data-testid="tick">{last?.data ?? '-'}</i>;
    }
    const { Count } = renders;
    render(
      <Strict>
        <Count id="tick">
          <Ticker />
        </Count>
      </Strict>,
    );
    await until(() => s.open.size === 1, 5000, 'connection');
    await sleep(50);
    renders.reset();
    // 1,000 events in 20 writes, back to back.
    for (let w = 0; w < 20; w++) {
      let chunk = '';
      for (let i = 0; i < 50; i++) chunk += frame({ event: 'tick', data: String(w * 50 + i) });
      s.send(chunk);
    }
    await until(() => got.length === 1000, 5000, '1,000 events');
    await until(() => text('tick') === '999', 5000, 'last value');
    await sleep(50);
    expect(got).toEqual(Array.from({ length: 1000 }, (_, i) => String(i)));
    expect(renders.get('tick')).toBeGreaterThan(0);
    expect(renders.get('tick')).toBeLessThanOrEqual(5);
  });

  it('a component reading only readyState does not re-render per message', async () => {
    const url = s.server.url('/events');
    function State() {
      const { readyState } = useEventSource(url);
      return <i data-testid="state">{readyState}</i>;
    }
    function Message() {
      const { lastMessage } = useEventSource(url);
      return <i data-testid="msg">{lastMessage?.data ?? '-'}</i>;
    }
    const { Count } = renders;
    render(
      <Strict>
        <Count id="state">
          <State />
        </Count>
        <Count id="msg">
          <Message />
        </Count>
      </Strict>,
    );
    await until(() => text('state') === '1', 5000, 'open');
    renders.reset();
    for (let i = 1; i <= 5; i++) {
      s.send(frame({ data: `m${i}` }));
      await sleep(30);
    }
    await until(() => text('msg') === 'm5', 5000, 'messages');
    expect(renders.get('state')).toBe(0);
    expect(renders.get('msg')).toBeGreaterThanOrEqual(2);
  });

  it('a selector re-renders only when the selection changes', async () => {
    const url = s.server.url('/events');
    function Count5() {
      const { selected } = useEventSource(url, {
        select: (state) => Number(state.lastMessage?.data ?? 0) >= 5,
      });
      return <i data-testid="sel">{String(selected)}</i>;
    }
    function Pair() {
      const { selected } = useEventSource(url, {
        select: (state) => ({ status: state.status, big: Number(state.lastMessage?.data) > 8 }),
        isEqual: shallowEqual,
      });
      return <i data-testid="pair">{`${selected.status}/${selected.big}`}</i>;
    }
    const { Count } = renders;
    render(
      <Strict>
        <Count id="sel">
          <Count5 />
        </Count>
        <Count id="pair">
          <Pair />
        </Count>
      </Strict>,
    );
    await until(() => text('pair') === 'open/false', 5000, 'open');
    renders.reset();
    for (let i = 1; i <= 4; i++) {
      s.send(frame({ data: String(i) }));
      await sleep(30);
    }
    await sleep(50);
    expect(renders.get('sel')).toBe(0);
    expect(renders.get('pair')).toBe(0);
    s.send(frame({ data: '5' }));
    await until(() => text('sel') === 'true', 5000, 'selection flips');
    for (let i = 6; i <= 8; i++) {
      s.send(frame({ data: String(i) }));
      await sleep(30);
    }
    await sleep(50);
    expect(renders.get('sel')).toBe(1);
    expect(renders.get('pair')).toBe(0);
  });

  it('a parse failure is a typed error on that hook and later events still arrive', async () => {
    const url = s.server.url('/json');
    const errors: SSEError[] = [];
    const delivered: unknown[] = [];
    function Json() {
      const event = useSSEEvent<{ n: number }>(url, 'data', {
        parse: 'json',
        onEvent: (e) => delivered.push(e.data),
        onError: (error) => errors.push(error),
      });
      return <i data-testid="json">{event ? event.data.n : '-'}</i>;
    }
    function Any() {
      const { lastMessage, error } = useEventSource(url, { parse: 'json' });
      return (
        <i data-testid="any">
          {error ? `${error.type}:${error.code}` : JSON.stringify(lastMessage?.data ?? null)}
        </i>
      );
    }
    render(
      <Strict>
        <Json />
        <Any />
      </Strict>,
    );
    await until(() => s.open.size === 1, 5000, 'connection');
    await sleep(50);
    s.send(frame({ event: 'data', data: '{"n":1}' }));
    await until(() => text('json') === '1', 5000, 'first');
    s.send(frame({ event: 'data', data: '{not json' }));
    await until(() => errors.length === 1, 5000, 'parse error');
    await until(() => text('any') === 'parse:invalid-json', 5000, 'error state');
    expect(text('json')).toBe('1'); // the last event that decoded
    expect(errors[0]).toMatchObject({ name: 'SSEError', type: 'parse', code: 'invalid-json' });
    s.send(frame({ event: 'data', data: '{"n":2}' }));
    await until(() => text('json') === '2', 5000, 'stream goes on');
    await until(() => text('any') === '{"n":2}', 5000, 'error cleared');
    expect(delivered).toEqual([{ n: 1 }, { n: 2 }]);
    expect(s.server.requests).toHaveLength(1);
  });

  it('a typed stream descriptor decodes JSON and shares the connection', async () => {
    type Events = { notification: { text: string }; alert: { level: number } };
    const stream = defineStream<Events>(s.server.url('/typed'));
    function Alert() {
      const alert = useSSEEvent(stream, 'alert');
      return <i data-testid="level">{alert ? alert.data.level + 1 : '-'}</i>;
    }
    function Note() {
      const note = useSSEEvent(stream, 'notification');
      return <i data-testid="note">{note?.data.text.toUpperCase() ?? '-'}</i>;
    }
    render(
      <Strict>
        <Alert />
        <Note />
      </Strict>,
    );
    await until(() => s.open.size === 1, 5000, 'connection');
    await sleep(50);
    s.send(frame({ event: 'alert', data: '{"level":2}' }));
    s.send(frame({ event: 'notification', data: '{"text":"hey"}' }));
    await until(() => text('level') === '3' && text('note') === 'HEY', 5000, 'typed data');
    expect(s.server.requests).toHaveLength(1);
  });

  it('a hook mounted later sees the last event of its type at once', async () => {
    const url = s.server.url('/late');
    const view = render(
      <Strict>
        <Last url={url} type="alert" />
      </Strict>,
    );
    await until(() => s.open.size === 1, 5000, 'connection');
    await sleep(50);
    s.send(frame({ event: 'alert', data: 'early' }));
    await until(() => text('alert') === 'early', 5000, 'early');
    view.rerender(
      <Strict>
        <Last url={url} type="alert" />
        <LateAlert url={url} />
      </Strict>,
    );
    expect(screen.getByTestId('late').textContent).toBe('early');
    expect(s.server.requests).toHaveLength(1);
  });
});

function LateAlert({ url }: { url: string }) {
  const event = useSSEEvent(url, 'alert');
  return <i data-testid="late">{event?.data ?? '-'}</i>;
}

describe('changing the event type', () => {
  it('follows the new type: its last event and its onEvent calls', async () => {
    const url = s.server.url('/types');
    const seen: string[] = [];
    function Pick({ type }: { type: string }) {
      const event = useSSEEvent(url, type, { onEvent: (e) => seen.push(`${e.type}:${e.data}`) });
      return <i data-testid="pick">{event?.data ?? '-'}</i>;
    }
    const view = render(
      <Strict>
        <LateAlert url={url} />
        <Pick type="a" />
      </Strict>,
    );
    await until(() => s.open.size === 1, 5000, 'connection');
    await sleep(50);
    s.send(frame({ event: 'a', data: 'a1' }) + frame({ event: 'b', data: 'b1' }));
    await until(() => text('pick') === 'a1', 5000, 'a1');
    view.rerender(
      <Strict>
        <LateAlert url={url} />
        <Pick type="b" />
      </Strict>,
    );
    expect(text('pick')).toBe('b1'); // the last event of the new type, at once
    s.send(frame({ event: 'a', data: 'a2' }) + frame({ event: 'b', data: 'b2' }));
    await until(() => text('pick') === 'b2', 5000, 'b2');
    expect(seen).toEqual(['a:a1', 'b:b2']);
    expect(s.server.requests).toHaveLength(1);
  });
});

describe('provider defaults and throttle', () => {
  it("applies the provider's parse and throttle; a given registry is shared with plain code", async () => {
    const url = s.server.url('/defaults');
    const registry = new ConnectionRegistry({ linger: 50 });
    const lease = registry.acquire(url, {});
    function Json() {
      const event = useSSEEvent<{ n: number }>(url, 'tick');
      return <i data-testid="n">{event ? event.data.n : '-'}</i>;
    }
    const { Count } = renders;
    render(
      <Strict registry={registry} options={{ parse: 'json', throttle: 250 }}>
        <Count id="n">
          <Json />
        </Count>
      </Strict>,
    );
    await until(() => s.open.size === 1, 5000, 'connection');
    await sleep(50);
    renders.reset();
    for (let i = 1; i <= 5; i++) {
      s.send(frame({ event: 'tick', data: JSON.stringify({ n: i }) }));
      await sleep(20); // five frames apart, all within one throttle window
    }
    await until(() => text('n') === '5', 5000, 'last tick');
    expect(renders.get('n')).toBe(1);
    expect(s.server.requests).toHaveLength(1); // the plain lease and the hook share
    lease.release();
  });
});
