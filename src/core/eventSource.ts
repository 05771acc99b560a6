import { Connection } from './connection.js';
import type { SSEError } from './errors.js';
import type { Transport } from './transports/transport.js';
import type { ConnectionOptions } from './types.js';

/**
 * The transport an {@link EventSource} uses without a custom `fetch`. The Node build of
 * `sse-hooks/core` sets Node's own http here (it reads streams about twice as fast as Node's
 * fetch), so browser bundles never carry it.
 */
export const platformDefaults: { transport?: () => Transport | undefined } = {};

/** What a stream's event becomes: the class's own dispatch. */
type Deliver = (type: string, data: string, lastEventId: string, origin: string) => void;

/** The connection of one {@link EventSource}: its events go to `deliver`, and nowhere else. */
class EventSourceConnection extends Connection {
  readonly #deliver: Deliver;
  constructor(url: string, options: ConnectionOptions, deliver: Deliver) {
    super(url, options);
    this.#deliver = deliver;
  }
  protected override deliver(type: string, data: string, lastEventId: string, origin: string) {
    this.#deliver(type, data, lastEventId, origin);
  }
}

/** Options of the {@link EventSource} constructor: the WHATWG ones, plus a custom `fetch`. */
export interface EventSourceInit {
  withCredentials?: boolean;
  /** A custom `fetch` (Node: proxies, TLS; tests: doubles). Not part of the WHATWG interface. */
  fetch?: typeof fetch;
}

/** The `error` event: an `Event` that also says what went wrong (not part of the WHATWG API). */
export type EventSourceErrorEvent = Event & { readonly error?: SSEError };

/** The events of an {@link EventSource} by type; any other type is a `MessageEvent`. */
export interface EventSourceEvents {
  open: Event;
  message: MessageEvent<string>;
  error: EventSourceErrorEvent;
}

type Handler<E extends Event> = ((this: EventSource, event: E) => unknown) | null;
type HandlerType = 'open' | 'message' | 'error';

/**
 * The WHATWG `EventSource` interface, in browsers and Node 20 alike, over the library's own
 * transports and parser. It is an `EventTarget` that dispatches `MessageEvent`s. It fails for good
 * on a non-200 status or a wrong Content-Type, and reconnects after network losses (after the
 * reconnection time, the server's `retry:` or 3 s, backing off on repeated failures), sending
 * `Last-Event-ID` as UTF-8, as the spec says.
 *
 * @example
 * ```ts
 * import { EventSource } from 'sse-hooks/core';
 * const es = new EventSource('http://127.0.0.1:3000/events');
 * es.onmessage = (e) => console.log(e.data, e.lastEventId);
 * es.addEventListener('alert', (e) => console.warn((e as MessageEvent).data));
 * ```
 */
export class EventSource extends EventTarget {
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

  readonly #connection: Connection;
  /** Types someone may listen to; no event object is built for the others. */
  readonly #types = new Set<string>();
  readonly #handlers = new Map<HandlerType, { fn: Handler<never>; listener: EventListener }>();

  constructor(url: string | URL, init: EventSourceInit = {}) {
    super();
    const base = (globalThis as { location?: { href?: string } }).location?.href;
    let resolved: string;
    try {
      resolved = new URL(String(url), base).href;
    } catch {
      throw new DOMException(
        `Failed to construct 'EventSource': The URL '${String(url)}' is invalid.`,
        'SyntaxError',
      );
    }
    this.url = resolved;
    this.withCredentials = Boolean(init.withCredentials);
    const connection = (this.#connection = new EventSourceConnection(
      resolved,
      {
        transport: (!init.fetch && platformDefaults.transport?.()) || 'fetch',
        fetch: init.fetch,
        withCredentials: this.withCredentials,
        // Spec: only a network loss "reestablishes the connection"; any other failure is final.
        retryOn: (error) => error.type === 'network',
        // Spec: the reconnection time is implementation-defined; browsers use about 3 s.
        reconnect: { initialDelay: 3000, maxDelay: 60_000 },
      },
      (type, data, lastEventId, origin) => {
        // No event object is built for a type nobody listens to.
        if (this.#types.has(type)) {
          this.dispatchEvent(new MessageEvent(type, { data, lastEventId, origin }));
        }
      },
    ));
    connection.onOpen(() => this.dispatchEvent(new Event('open')));
    connection.onError((error) => this.dispatchEvent(Object.assign(new Event('error'), { error })));
    connection.open();
  }

  /** 0 CONNECTING, 1 OPEN, 2 CLOSED. */
  get readyState(): 0 | 1 | 2 {
    return this.#connection.getSnapshot().readyState;
  }

  /** Aborts the request and stops reconnecting. */
  close(): void {
    this.#connection.close();
  }

  /** As the DOM's: `open` and `error` get an `Event`, every other type a `MessageEvent`. */
  override addEventListener<K extends keyof EventSourceEvents>(
    type: K,
    listener: ((this: EventSource, event: EventSourceEvents[K]) => unknown) | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: ((this: EventSource, event: MessageEvent<string>) => unknown) | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | ((event: never) => unknown) | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    this.#types.add(type);
    super.addEventListener(type, listener as EventListenerOrEventListenerObject, options);
  }

  override removeEventListener<K extends keyof EventSourceEvents>(
    type: K,
    listener: ((this: EventSource, event: EventSourceEvents[K]) => unknown) | null,
    options?: boolean | EventListenerOptions,
  ): void;
  override removeEventListener(
    type: string,
    listener: ((this: EventSource, event: MessageEvent<string>) => unknown) | null,
    options?: boolean | EventListenerOptions,
  ): void;
  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;
  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | ((event: never) => unknown) | null,
    options?: boolean | EventListenerOptions,
  ): void {
    super.removeEventListener(type, listener as EventListenerOrEventListenerObject, options);
  }

  get onopen(): Handler<Event> {
    return this.#handler('open');
  }
  set onopen(fn: Handler<Event>) {
    this.#setHandler('open', fn);
  }
  get onmessage(): Handler<MessageEvent<string>> {
    return this.#handler('message');
  }
  set onmessage(fn: Handler<MessageEvent<string>>) {
    this.#setHandler('message', fn);
  }
  get onerror(): Handler<EventSourceErrorEvent> {
    return this.#handler('error');
  }
  set onerror(fn: Handler<EventSourceErrorEvent>) {
    this.#setHandler('error', fn);
  }

  #handler<E extends Event>(type: HandlerType): Handler<E> {
    return (this.#handlers.get(type)?.fn as Handler<E> | undefined) ?? null;
  }

  /**
   * Spec: an event handler attribute is a listener added when it is first set (so it runs in
   * that order among the others), replaced in place later, and removed when set to null.
   */
  #setHandler<E extends Event>(type: HandlerType, fn: Handler<E>): void {
    const current = this.#handlers.get(type);
    if (typeof fn !== 'function') fn = null;
    if (current && fn) current.fn = fn as Handler<never>;
    else if (fn) {
      const entry: { fn: Handler<never>; listener: EventListener } = {
        fn: fn as Handler<never>,
        listener: (event: Event) => (entry.fn as (e: Event) => unknown).call(this, event),
      };
      this.#handlers.set(type, entry);
      this.addEventListener(type, entry.listener as EventListener);
    } else if (current) {
      this.#handlers.delete(type);
      this.removeEventListener(type, current.listener as EventListener);
    }
  }
}
