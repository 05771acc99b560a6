import { describe, expectTypeOf, it } from 'vitest';
import {
  defineStream,
  shallowEqual,
  useEventSource,
  useSSEEvent,
  type ConnectionStatus,
  type ReadyState,
  type SSEError,
  type TypedMessage,
  type SSEMessage,
  type StreamDescriptor,
} from '../../src/index.js';

type Events = {
  notification: { id: string; text: string };
  alert: { level: 'info' | 'critical'; message: string };
};
const stream = defineStream<Events>('/api/events', { withCredentials: true });

describe('typed event maps', () => {
  it('a descriptor carries its event map', () => {
    expectTypeOf(stream).toEqualTypeOf<StreamDescriptor<Events>>();
    expectTypeOf(stream.url).toBeString();
  });

  it('useSSEEvent on a descriptor: declared type, declared data', () => {
    const alert = useSSEEvent(stream, 'alert');
    expectTypeOf(alert).toEqualTypeOf<
      TypedMessage<{ level: 'info' | 'critical'; message: string }, 'alert'> | undefined
    >();
    if (alert) {
      expectTypeOf(alert.data.level).toEqualTypeOf<'info' | 'critical'>();
      expectTypeOf(alert.type).toEqualTypeOf<'alert'>();
      expectTypeOf(alert.lastEventId).toBeString();
      expectTypeOf(alert.origin).toBeString();
    }
    useSSEEvent(stream, 'notification', {
      onEvent: (event) => {
        expectTypeOf(event.data).toEqualTypeOf<{ id: string; text: string }>();
      },
    });
  });

  it('a misspelt event type or a wrong data shape is a compile error', () => {
    // @ts-expect-error 'alrt' is not an event of the stream
    useSSEEvent(stream, 'alrt');
    const alert = useSSEEvent(stream, 'alert');
    // @ts-expect-error alerts have no `text`
    void alert?.data.text;
    // @ts-expect-error onEvent receives alerts, not notifications
    useSSEEvent(stream, 'alert', {
      onEvent: (event: TypedMessage<{ id: string; text: string }, 'notification'>) => void event,
    });
  });

  it('useEventSource on a descriptor: lastMessage narrows by type', () => {
    const { lastMessage } = useEventSource(stream);
    if (lastMessage?.type === 'alert') {
      expectTypeOf(lastMessage.data).toEqualTypeOf<Events['alert']>();
    } else if (lastMessage) {
      expectTypeOf(lastMessage.data).toEqualTypeOf<Events['notification']>();
    }
  });

  it('a null stream is accepted', () => {
    expectTypeOf(useSSEEvent(null as StreamDescriptor<Events> | null, 'alert')).toEqualTypeOf<
      TypedMessage<Events['alert'], 'alert'> | undefined
    >();
  });
});

describe('url form', () => {
  it('data is a string without parse', () => {
    expectTypeOf(useSSEEvent('/e', 'tick')).toEqualTypeOf<TypedMessage<string> | undefined>();
    expectTypeOf(useEventSource('/e').lastMessage).toEqualTypeOf<TypedMessage<string> | null>();
  });

  it("parse: 'json' gives unknown unless told; a parse function gives its return type", () => {
    expectTypeOf(useSSEEvent('/e', 'tick', { parse: 'json' })).toEqualTypeOf<
      TypedMessage<unknown> | undefined
    >();
    expectTypeOf(useSSEEvent<{ n: number }>('/e', 'tick', { parse: 'json' })).toEqualTypeOf<
      TypedMessage<{ n: number }> | undefined
    >();
    expectTypeOf(useSSEEvent('/e', 'tick', { parse: (data) => Number(data) })).toEqualTypeOf<
      TypedMessage<number> | undefined
    >();
    expectTypeOf(
      useEventSource('/e', { parse: (data: string) => data.length }).lastMessage,
    ).toEqualTypeOf<TypedMessage<number> | null>();
  });

  it('onError gets a typed SSEError and the raw message', () => {
    useSSEEvent('/e', 'tick', {
      parse: 'json',
      onError: (error, message) => {
        expectTypeOf(error).toEqualTypeOf<SSEError>();
        expectTypeOf(message).toEqualTypeOf<SSEMessage>();
      },
    });
  });

  it('a null url is accepted; a number is not', () => {
    useEventSource(null);
    useSSEEvent(null, 'x');
    // @ts-expect-error urls are strings
    useEventSource(42);
  });
});

describe('useEventSource result', () => {
  it('has the state fields and stable controls', () => {
    const result = useEventSource('/e');
    expectTypeOf(result.readyState).toEqualTypeOf<ReadyState>();
    expectTypeOf(result.status).toEqualTypeOf<ConnectionStatus>();
    expectTypeOf(result.error).toEqualTypeOf<SSEError | null>();
    expectTypeOf(result.lastEventId).toBeString();
    expectTypeOf(result.attempt).toBeNumber();
    expectTypeOf(result.nextRetryAt).toEqualTypeOf<number | null>();
    expectTypeOf(result.open).toEqualTypeOf<() => void>();
    expectTypeOf(result.close).toEqualTypeOf<() => void>();
    expectTypeOf(result.selected).toBeUndefined();
  });

  it('select types `selected`; isEqual must compare selections', () => {
    const online = useEventSource('/e', { select: (s) => s.readyState === 1 });
    expectTypeOf(online.selected).toBeBoolean();
    const pair = useEventSource('/e', {
      select: (s) => ({ status: s.status, last: s.lastMessage?.data }),
      isEqual: shallowEqual,
    });
    expectTypeOf(pair.selected).toEqualTypeOf<{
      status: ConnectionStatus;
      last: string | undefined;
    }>();
    // @ts-expect-error the selection is a number, isEqual compares strings
    useEventSource('/e', {
      select: (s) => s.attempt,
      isEqual: (a: string, b: string) => a === b,
    });
  });

  it('misused options are compile errors', () => {
    // @ts-expect-error enabled is a boolean
    useEventSource('/e', { enabled: 'yes' });
    // @ts-expect-error parse is 'json' or a function
    useSSEEvent('/e', 'x', { parse: 'xml' });
    // @ts-expect-error readyState cannot be assigned
    useEventSource('/e').readyState = 1;
  });
});
