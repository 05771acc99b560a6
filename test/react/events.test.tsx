// @vitest-environment jsdom
import { render, screen } from '@testing-library/react';
import { StrictMode, type ReactNode } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ConnectionRegistry,
  EventSourceProvider,
  defineStream,
  shallowEqual,
  useEventSource,
  useSSEEvent,
  type SSEError,
} from 'sse-hooks';
import {
  advanceTime,
  createRenderCounter,
  createTestServer,
  flushFrames,
  TestStreamProvider,
  type RenderCounter,
  type TestServer,
} from 'sse-hooks/testing';
import { failOnConsoleError } from './harness.js';

failOnConsoleError();
let server: TestServer;
let renders: RenderCounter;
beforeEach(() => {
  server = createTestServer();
  renders = createRenderCounter();
});

const text = (id: string) => screen.getByTestId(id).textContent;

function Last({ url, type }: { url: string; type: string }) {
  const event = useSSEEvent(url, type);
  return <i data-testid={type}>{event?.data ?? '-'}</i>;
}

function LateAlert({ url }: { url: string }) {
  const event = useSSEEvent(url, 'alert');
  return <i data-testid="late">{event?.data ?? '-'}</i>;
}

const renderStrict = (ui: ReactNode) =>
  render(
    <TestStreamProvider server={server} strict>
      {ui}
    </TestStreamProvider>,
  );

describe('named events', () => {
  it('reach only the hooks of their type', async () => {
    const { Count } = renders;
    renderStrict(
      <>
        <Count id="alert">
          <Last url="/events" type="alert" />
        </Count>
        <Count id="update">
          <Last url="/events" type="update" />
        </Count>
      </>,
    );
    const stream = await server.connected;
    stream.send({ event: 'alert', data: 'a1' });
    await flushFrames();
    expect(text('alert')).toBe('a1');
    renders.reset();

    for (let i = 1; i <= 5; i++) {
      stream.send({ event: 'update', data: `u${i}` });
      await flushFrames(); // one frame each: each renders
    }
    expect(text('update')).toBe('u5');
    expect(renders.count('alert')).toBe(0);
    expect(renders.count('update')).toBe(5);
    expect(server.connections).toHaveLength(1);

    renders.reset();
    stream.send({ event: 'alert', data: 'a2' });
    await flushFrames();
    expect(text('alert')).toBe('a2');
    expect(renders.count('update')).toBe(0);
  });

  it('a burst of 1,000 events renders once in its frame; onEvent sees all 1,000 in order', async () => {
    const got: string[] = [];
    function Ticker() {
      const last = useSSEEvent('/burst', 'tick', { onEvent: (e) => got.push(e.data) });
      return <i data-testid="tick">{last?.data ?? '-'}</i>;
    }
    const { Count } = renders;
    renderStrict(
      <Count id="tick">
        <Ticker />
      </Count>,
    );
    const stream = await server.connected;
    await flushFrames();
    renders.reset();
    // 1,000 events in 20 writes, back to back.
    for (let w = 0; w < 20; w++) {
      for (let i = 0; i < 50; i++) stream.send({ event: 'tick', data: String(w * 50 + i) });
    }
    await flushFrames();
    expect(got).toEqual(Array.from({ length: 1000 }, (_, i) => String(i)));
    expect(text('tick')).toBe('999');
    expect(renders.count('tick')).toBe(1);
  });

  it('a component reading only readyState does not re-render per message', async () => {
    function State() {
      const { readyState } = useEventSource('/events');
      return <i data-testid="state">{readyState}</i>;
    }
    function Message() {
      const { lastMessage } = useEventSource('/events');
      return <i data-testid="msg">{lastMessage?.data ?? '-'}</i>;
    }
    const { Count } = renders;
    renderStrict(
      <>
        <Count id="state">
          <State />
        </Count>
        <Count id="msg">
          <Message />
        </Count>
      </>,
    );
    const stream = await server.connected;
    await flushFrames();
    expect(text('state')).toBe('1');
    renders.reset();
    for (let i = 1; i <= 5; i++) {
      stream.send({ data: `m${i}` });
      await flushFrames();
    }
    expect(text('msg')).toBe('m5');
    expect(renders.count('state')).toBe(0);
    expect(renders.count('msg')).toBe(5);
  });

  it('a selector re-renders only when the selection changes', async () => {
    function Count5() {
      const { selected } = useEventSource('/events', {
        select: (state) => Number(state.lastMessage?.data ?? 0) >= 5,
      });
      return <i data-testid="sel">{String(selected)}</i>;
    }
    function Pair() {
      const { selected } = useEventSource('/events', {
        select: (state) => ({ status: state.status, big: Number(state.lastMessage?.data) > 8 }),
        isEqual: shallowEqual,
      });
      return <i data-testid="pair">{`${selected.status}/${selected.big}`}</i>;
    }
    const { Count } = renders;
    renderStrict(
      <>
        <Count id="sel">
          <Count5 />
        </Count>
        <Count id="pair">
          <Pair />
        </Count>
      </>,
    );
    const stream = await server.connected;
    await flushFrames();
    expect(text('pair')).toBe('open/false');
    renders.reset();
    for (let i = 1; i <= 4; i++) {
      stream.send({ data: String(i) });
      await flushFrames();
    }
    expect(renders.count('sel')).toBe(0);
    expect(renders.count('pair')).toBe(0);
    stream.send({ data: '5' });
    await flushFrames();
    expect(text('sel')).toBe('true');
    for (let i = 6; i <= 8; i++) {
      stream.send({ data: String(i) });
      await flushFrames();
    }
    expect(renders.count('sel')).toBe(1);
    expect(renders.count('pair')).toBe(0);
  });

  it('a parse failure is a typed error on that hook and later events still arrive', async () => {
    const errors: SSEError[] = [];
    const delivered: unknown[] = [];
    function Json() {
      const event = useSSEEvent<{ n: number }>('/json', 'data', {
        parse: 'json',
        onEvent: (e) => delivered.push(e.data),
        onError: (error) => errors.push(error),
      });
      return <i data-testid="json">{event ? event.data.n : '-'}</i>;
    }
    function Any() {
      const { lastMessage, error } = useEventSource('/json', { parse: 'json' });
      return (
        <i data-testid="any">
          {error ? `${error.type}:${error.code}` : JSON.stringify(lastMessage?.data ?? null)}
        </i>
      );
    }
    renderStrict(
      <>
        <Json />
        <Any />
      </>,
    );
    const stream = await server.connected;
    stream.send({ event: 'data', data: { n: 1 } });
    await flushFrames();
    expect(text('json')).toBe('1');
    stream.send({ event: 'data', data: '{not json' });
    await flushFrames();
    expect(errors).toHaveLength(1);
    expect(text('any')).toBe('parse:invalid-json');
    expect(text('json')).toBe('1'); // the last event that decoded
    expect(errors[0]).toMatchObject({ name: 'SSEError', type: 'parse', code: 'invalid-json' });
    stream.send({ event: 'data', data: { n: 2 } });
    await flushFrames();
    expect(text('json')).toBe('2');
    expect(text('any')).toBe('{"n":2}');
    expect(delivered).toEqual([{ n: 1 }, { n: 2 }]);
    expect(server.connections).toHaveLength(1);
  });

  it('a typed stream descriptor decodes JSON and shares the connection', async () => {
    type Events = { notification: { text: string }; alert: { level: number } };
    const stream = defineStream<Events>('/typed');
    function Alert() {
      const alert = useSSEEvent(stream, 'alert');
      return <i data-testid="level">{alert ? alert.data.level + 1 : '-'}</i>;
    }
    function Note() {
      const note = useSSEEvent(stream, 'notification');
      return <i data-testid="note">{note?.data.text.toUpperCase() ?? '-'}</i>;
    }
    renderStrict(
      <>
        <Alert />
        <Note />
      </>,
    );
    await server.connected;
    server.send({ event: 'alert', data: { level: 2 } });
    server.send({ event: 'notification', data: { text: 'hey' } });
    await flushFrames();
    expect(text('level')).toBe('3');
    expect(text('note')).toBe('HEY');
    expect(server.connections).toHaveLength(1);
  });

  it('a hook mounted later sees the last event of its type at once', async () => {
    const view = renderStrict(<Last url="/late" type="alert" />);
    (await server.connected).send({ event: 'alert', data: 'early' });
    await flushFrames();
    expect(text('alert')).toBe('early');
    view.rerender(
      <TestStreamProvider server={server} strict>
        <Last url="/late" type="alert" />
        <LateAlert url="/late" />
      </TestStreamProvider>,
    );
    expect(text('late')).toBe('early');
    expect(server.connections).toHaveLength(1);
  });
});

describe('changing the event type', () => {
  it('follows the new type: its last event and its onEvent calls', async () => {
    const seen: string[] = [];
    function Pick({ type }: { type: string }) {
      const event = useSSEEvent('/types', type, {
        onEvent: (e) => seen.push(`${e.type}:${e.data}`),
      });
      return <i data-testid="pick">{event?.data ?? '-'}</i>;
    }
    const app = (type: string) => (
      <TestStreamProvider server={server} strict>
        <LateAlert url="/types" />
        <Pick type={type} />
      </TestStreamProvider>
    );
    const view = render(app('a'));
    const stream = await server.connected;
    stream.send({ event: 'a', data: 'a1' });
    stream.send({ event: 'b', data: 'b1' });
    await flushFrames();
    expect(text('pick')).toBe('a1');
    view.rerender(app('b'));
    expect(text('pick')).toBe('b1'); // the last event of the new type, at once
    stream.send({ event: 'a', data: 'a2' });
    stream.send({ event: 'b', data: 'b2' });
    await flushFrames();
    expect(text('pick')).toBe('b2');
    expect(seen).toEqual(['a:a1', 'b:b2']);
    expect(server.connections).toHaveLength(1);
  });
});

describe('provider defaults and throttle', () => {
  it("applies the provider's parse and throttle; a given registry is shared with plain code", async () => {
    vi.useFakeTimers();
    // Plain code and the hooks share a connection only with equal options, so both reach the
    // server through the global fetch here.
    vi.stubGlobal('fetch', server.fetch);
    const url = 'http://localhost:3000/defaults';
    const registry = new ConnectionRegistry({ linger: 50 });
    const lease = registry.acquire(url, {});
    function Json() {
      const event = useSSEEvent<{ n: number }>(url, 'tick');
      return <i data-testid="n">{event ? event.data.n : '-'}</i>;
    }
    const { Count } = renders;
    render(
      <StrictMode>
        <EventSourceProvider registry={registry} options={{ parse: 'json', throttle: 250 }}>
          <Count id="n">
            <Json />
          </Count>
        </EventSourceProvider>
      </StrictMode>,
    );
    const stream = await server.connected;
    await advanceTime(250);
    renders.reset();
    for (let i = 1; i <= 5; i++) {
      stream.send({ event: 'tick', data: { n: i } });
      await advanceTime(20); // five frames apart, all within one throttle window
    }
    await advanceTime(250);
    expect(text('n')).toBe('5');
    expect(renders.count('n')).toBe(1);
    expect(server.connections).toHaveLength(1); // the plain lease and the hook share
    lease.release();
  });
});
