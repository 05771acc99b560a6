import { Connection } from './connection.js';
import { createNodeTransport } from './transports/nodeTransport.js';
import { reportListenerError, type SSEError } from './errors.js';

/** Options of the {@link EventSource} constructor: the WHATWG ones, plus a custom `fetch`. */
export interface EventSourceInit {
  withCredentials?: boolean;
  /** A custom `fetch` (Node: proxies, TLS; tests: doubles). Not part of the WHATWG interface. */
  fetch?: typeof fetch;
}

type EventHandler<E> = ((this: EventSource, event: E) => unknown) | null;
type ListenerFn = (event: never) => unknown;
type ListenerObject = { handleEvent(event: never): unknown };
type Listener = ListenerFn | ListenerObject;
interface ListenerOptions {
  once?: boolean;
  signal?: AbortSignal;
  capture?: boolean;
}
interface Registered {
  listener: Listener;
  once: boolean;
  removed: boolean;
}

const NO_PORTS: readonly never[] = Object.freeze([]);

/** The event passed to `open` and `error` listeners. */
export class SSEEvent {
  declare readonly type: string;
  declare readonly timeStamp: number;
  // Constant fields are prototype getters: one event per message makes every allocation count,
  // and (unlike assignments to the prototype) getters keep the module free of side effects.
  get bubbles(): false {
    return false;
  }
  get cancelable(): false {
    return false;
  }
  get defaultPrevented(): false {
    return false;
  }
  declare target: EventSource | null;
  /** The same as `target`: an EventSource is the only object an event passes through. */
  get currentTarget(): EventSource | null {
    return this.target;
  }
  /** On `error` events: what went wrong (not part of the WHATWG interface). */
  declare readonly error: SSEError | undefined;
  /** @internal Set by stopImmediatePropagation(); a field, not a lookup, on the per-event path. */
  declare stopped: boolean;

  // Plain assignments in one constructor, not field initializers: one event is created per
  // message, and this keeps every event the same shape, built in the cheapest way.
  /** `timeStamp` defaults to now (`performance.now()`). */
  constructor(type: string, error?: SSEError, timeStamp = performance.now()) {
    this.type = type;
    this.timeStamp = timeStamp;
    this.target = null;
    this.stopped = false;
    // Message events, the many, keep one shape without it.
    if (error) this.error = error;
  }
  preventDefault(): void {}
  stopPropagation(): void {}
  stopImmediatePropagation(): void {
    this.stopped = true;
  }
}

/** The event passed to message listeners: the MessageEvent fields an event stream sets. */
export class SSEMessageEvent extends SSEEvent {
  declare readonly data: string;
  declare readonly lastEventId: string;
  declare readonly origin: string;
  get source(): null {
    return null;
  }
  get ports(): readonly never[] {
    return NO_PORTS;
  }

  /** `timeStamp` defaults to now; events of one stream get the time their bytes arrived. */
  constructor(
    type: string,
    init: { data: string; lastEventId: string; origin: string },
    timeStamp?: number,
  ) {
    super(type, undefined, timeStamp);
    this.data = init.data;
    this.lastEventId = init.lastEventId;
    this.origin = init.origin;
  }
}

/**
 * The WHATWG `EventSource` interface, in browsers and Node 20 alike, over the library's fetch
 * transport and parser. It fails for good on a non-200 status or a wrong Content-Type, and
 * reconnects after network losses (honouring `retry:` and sending `Last-Event-ID`), as the spec
 * says.
 *
 * @example
 * ```ts
 * import { EventSource } from 'sse-hooks/core';
 * const es = new EventSource('http://127.0.0.1:3000/events');
 * es.onmessage = (e) => console.log(e.data, e.lastEventId);
 * es.addEventListener('alert', (e) => console.warn(e.data));
 * ```
 */
export class EventSource {
  static readonly CONNECTING = 0 as const;
  static readonly OPEN = 1 as const;
  static readonly CLOSED = 2 as const;
  get CONNECTING(): 0 {
    return 0;
  }
  get OPEN(): 1 {
    return 1;
  }
  get CLOSED(): 2 {
    return 2;
  }

  readonly url: string;
  readonly withCredentials: boolean;
  onopen: EventHandler<SSEEvent> = null;
  onmessage: EventHandler<SSEMessageEvent> = null;
  onerror: EventHandler<SSEEvent> = null;

  private readonly connection: Connection;
  private readonly listeners = new Map<string, Registered[]>();
  /** The type last looked up on the event path, and its listeners (reset on any change). */
  private lastType: string | null = null;
  private lastList: Registered[] | undefined;

  constructor(url: string | URL, init: EventSourceInit = {}) {
    const base = (globalThis as { location?: { href?: string } }).location?.href;
    let resolved: string;
    try {
      resolved = new URL(String(url), base).href;
    } catch {
      throw syntaxError(`Failed to construct 'EventSource': The URL '${String(url)}' is invalid.`);
    }
    this.url = resolved;
    this.withCredentials = Boolean(init.withCredentials);
    this.connection = new Connection(resolved, {
      // In Node, Node's own http reads streams about twice as fast as its fetch.
      transport: (!init.fetch && createNodeTransport()) || 'fetch',
      fetch: init.fetch,
      withCredentials: this.withCredentials,
      // Spec: only a network loss "reestablishes the connection"; any other failure is final.
      retryOn: (error) => error.type === 'network',
      // Spec: the reconnection time is implementation-defined; browsers use about 3 s.
      reconnect: { initialDelay: 3000, maxDelay: 60_000 },
      receive: (type, data, lastEventId, origin, timeStamp) => {
        // Streams mostly repeat one type: remember the last lookup.
        if (type !== this.lastType) {
          this.lastType = type;
          this.lastList = this.listeners.get(type);
        }
        const list = this.lastList;
        const handler = this.handlerFor(type);
        // No event object for an event nobody listens to.
        if (list !== undefined || handler !== null) {
          const event = new SSEMessageEvent(type, { data, lastEventId, origin }, timeStamp);
          this.fire(event, handler, list);
        }
      },
    });
    this.connection.onOpen(() => this.dispatchEvent(new SSEEvent('open')));
    this.connection.onError((error) => this.dispatchEvent(new SSEEvent('error', error)));
    this.connection.open();
  }

  /** 0 CONNECTING, 1 OPEN, 2 CLOSED. */
  get readyState(): 0 | 1 | 2 {
    return this.connection.getSnapshot().readyState;
  }

  /** Aborts the request and stops reconnecting. */
  close(): void {
    this.connection.close();
  }

  addEventListener(
    type: string,
    listener: Listener | null,
    options?: boolean | ListenerOptions,
  ): void {
    if (!listener) return;
    const opts = typeof options === 'object' ? options : {};
    if (opts.signal?.aborted) return;
    const list = this.listeners.get(type) ?? [];
    if (list.some((r) => r.listener === listener)) return;
    const registered: Registered = { listener, once: Boolean(opts.once), removed: false };
    // Copy on write, as on removal: a dispatch in progress does not call a listener added by it.
    this.listeners.set(type, [...list, registered]);
    this.lastType = null;
    opts.signal?.addEventListener('abort', () => this.removeEventListener(type, listener), {
      once: true,
    });
  }

  removeEventListener(type: string, listener: Listener | null): void {
    const list = this.listeners.get(type);
    if (!list || !listener) return;
    const index = list.findIndex((r) => r.listener === listener);
    if (index === -1) return;
    list[index]!.removed = true;
    // Copy on write: a dispatch in progress keeps iterating the old array.
    const next = list.slice();
    next.splice(index, 1);
    if (next.length) this.listeners.set(type, next);
    else this.listeners.delete(type);
    this.lastType = null;
  }

  /** Dispatches `event` to this object's listeners; returns true (events here are not cancelable). */
  dispatchEvent(event: SSEEvent): boolean {
    this.fire(event, this.handlerFor(event.type), this.listeners.get(event.type));
    return true;
  }

  /** The event handler attribute (`onmessage`, `onopen`, `onerror`) for `type`, if any. */
  private handlerFor(type: string): EventHandler<never> {
    return type === 'message'
      ? this.onmessage
      : type === 'open'
        ? this.onopen
        : type === 'error'
          ? this.onerror
          : null;
  }

  private fire(
    event: SSEEvent,
    handler: EventHandler<never>,
    list: Registered[] | undefined,
  ): void {
    event.target = this;
    // Spec: event handler attributes run in the order they were first set among the listeners;
    // here the handler runs first, which is what code that mixes both nearly always expects.
    if (handler) invoke(this, handler, event);
    if (list === undefined) return;
    for (let i = 0; i < list.length && !event.stopped; i++) {
      const registered = list[i]!;
      if (registered.removed) continue;
      if (registered.once) this.removeEventListener(event.type, registered.listener);
      invoke(this, registered.listener, event);
    }
  }
}

function invoke(
  target: EventSource,
  listener: Listener | EventHandler<SSEEvent>,
  event: SSEEvent,
): void {
  try {
    if (typeof listener === 'function')
      (listener as (this: EventSource, e: SSEEvent) => unknown).call(target, event);
    else if (listener) (listener as { handleEvent(e: SSEEvent): unknown }).handleEvent(event);
  } catch (error) {
    reportListenerError(error);
  }
}

function syntaxError(message: string): Error {
  if (typeof DOMException === 'function') return new DOMException(message, 'SyntaxError');
  const error = new SyntaxError(message);
  return error;
}
