import { INITIAL } from './connection.js';
import { SSEError } from './errors.js';
import { batch } from './frame.js';
import { functionOptions, sameOptions, streamKey, type HookStreamOptions } from './options.js';
import { parseEvent, type ParseCache, type ParseOption, type TypedMessage } from './parseEvent.js';
import type { ConnectionRegistry, Lease } from './registry.js';
import { Subscribable } from './subscribable.js';
import type { ConnectionSnapshot, SSEMessage, StreamConnection } from './types.js';
import type { EventSourceState, Field, StreamResult, Values } from './streamResult.js';

export type { EventSourceState, StreamResult } from './streamResult.js';

/** What a {@link StreamObserver} watches, and how it shapes its result. */
export interface StreamObserverOptions extends HookStreamOptions {
  /** Where the connection is shared. */
  registry: ConnectionRegistry;
  /** The stream; null for none (as `enabled: false`). */
  url: string | null;
  parse?: ParseOption | undefined;
  /** An event type: `event` is its last event, and `onEvent` sees every one. */
  type?: string | undefined;
  onEvent?: ((event: TypedMessage<unknown>) => void) | undefined;
  /** A failure of `parse` on an event of `type` (default: logged). */
  onError?: ((error: SSEError, message: SSEMessage) => void) | undefined;
  select?: ((state: EventSourceState<unknown>) => unknown) | undefined;
  /** Compares two selections (default `Object.is`). */
  isEqual?: ((a: unknown, b: unknown) => boolean) | undefined;
}

type Fn = (...args: unknown[]) => unknown;

// What an enabled observer shows before it holds a connection: on the server, while hydrating.
const PENDING: ConnectionSnapshot = /* @__PURE__ */ Object.freeze({
  ...INITIAL,
  status: 'connecting',
  readyState: 0,
});
// The observer's own options, never passed to the connection.
const OWN_OPTIONS = [
  'registry',
  'url',
  'type',
  'parse',
  'select',
  'isEqual',
  'onEvent',
  'onError',
  'enabled',
  'throttle',
] as const;
const STATE_FIELDS = Object.keys(INITIAL) as Field[];
const FIELDS = [...STATE_FIELDS, 'event'] as Field[];

/** A stream as options name it: its key (undefined for none) and its connection options. */
interface Plan {
  readonly options: StreamObserverOptions;
  readonly key: string | undefined;
  readonly stream: Record<string, unknown>;
}

/** Whether two plans name the same stream in the same registry, for the same event type. */
const same = (a: Plan, b: Plan | undefined): boolean =>
  !!b &&
  a.key === b.key &&
  a.options.registry === b.options.registry &&
  a.options.type === b.options.type;

const lastEvent = (connection: StreamConnection, { type }: StreamObserverOptions) =>
  type === undefined ? undefined : connection.getLastEvent(type);

/**
 * One user's view of a shared stream, free of any framework: what a hook holds. `setOptions`
 * computes the stream's key and moves the lease when it changes; the lease is taken on the
 * first subscribe and released on the last unsubscribe (the registry's linger keeps the
 * connection for a quick comeback). Changes reach listeners once per frame (or per `throttle`
 * ms), and only when a field read from the result (or the selection) changed. While nobody
 * listens, `getSnapshot` reads the shared connection, if one is open, directly.
 *
 * @example
 * ```ts
 * const observer = new StreamObserver({ registry, url: '/api/events' });
 * const off = observer.subscribe(() => console.log(observer.getSnapshot().status));
 * observer.setOptions({ registry, url: '/api/other' }); // moves to the other stream
 * off(); // released
 * ```
 */
export class StreamObserver extends Subscribable {
  #o!: StreamObserverOptions;
  /** The stream of the newest options asked about, and the one the lease was taken on. */
  #plan: Plan | undefined;
  #held: Plan | undefined;
  #fns: Record<string, Fn> = {};
  #lease: Lease | undefined;
  #off: (() => void)[] = [];
  #snap: ConnectionSnapshot = INITIAL;
  #raw: SSEMessage | undefined;
  #inputs: unknown[] = [];
  /** The newest values, and those of the result handed out. */
  #values: Values | undefined;
  #shown: Values | undefined;
  #selected: unknown;
  #result: StreamResult | undefined;
  readonly #tracked = new Set<Field>();
  readonly #cache: ParseCache = new WeakMap();
  readonly #batch = batch(
    () => this.#pull(),
    () => this.#o.throttle,
  );

  constructor(options: StreamObserverOptions) {
    super();
    this.setOptions(options);
  }

  /**
   * Takes new options: when the stream (url, keyed options, registry, type) changed, the lease
   * moves to the new one; functions and `parse`/`select` take effect in place. Listeners hear of
   * it only when the result changed.
   */
  setOptions(options: StreamObserverOptions): void {
    const plan = this.#planFor((this.#o = options));
    for (const name of functionOptions(options))
      this.#fns[name] = (options as unknown as Record<string, Fn>)[name]!;
    if (this.#lease ? !same(plan, this.#held) : this.listeners.list.length) {
      this.onUnsubscribe();
      this.onSubscribe();
    }
    this.#pull(true);
  }

  /**
   * The result these options will give, without taking or moving anything: what a component
   * renders before its effects push the options.
   */
  getOptimisticResult(options: StreamObserverOptions): StreamResult {
    const plan = this.#planFor(options);
    if (this.#lease && same(plan, this.#held)) return this.#compute(options, this.#snap, this.#raw);
    const connection = plan.key === undefined ? undefined : options.registry.get(plan.key);
    return connection
      ? this.#compute(options, connection.getSnapshot(), lastEvent(connection, options))
      : this.#compute(options, plan.key ? PENDING : INITIAL, undefined);
  }

  /** The current result; a new object only when something read from it changed. */
  readonly getSnapshot = (): StreamResult => this.getOptimisticResult(this.#o);

  /** The result on the server and while hydrating: pending when enabled, else closed. */
  readonly getServerSnapshot = (): StreamResult =>
    this.#compute(this.#o, this.#planFor(this.#o).key ? PENDING : INITIAL, undefined);

  readonly open = (): void => this.#lease?.connection.open();
  readonly close = (): void => this.#lease?.connection.close();

  protected override onSubscribe(): void {
    const plan = this.#planFor(this.#o);
    const { key, stream, options } = plan;
    if (key === undefined) return;
    const { registry, url, type } = options;
    const lease = (this.#lease = registry.acquire(url!, stream, key));
    this.#held = plan;
    const { connection } = lease;
    this.#off = [connection.subscribe(this.#batch[0])];
    if (type !== undefined) {
      this.#off.push(connection.addEventListener(type, (raw) => this.#event(raw)));
    }
    this.#read(connection);
  }

  protected override onUnsubscribe(): void {
    this.#batch[1]();
    for (const off of this.#off) off();
    this.#off = [];
    this.#lease?.release();
    this.#lease = this.#held = undefined;
  }

  /** The stream `options` name: computed once per options object. */
  #planFor(options: StreamObserverOptions): Plan {
    const last = this.#plan;
    if (last && (last.options === options || sameOptions(last.options, options))) return last;
    const { url, enabled } = options;
    const stream: Record<string, unknown> = { ...options };
    for (const name of OWN_OPTIONS) delete stream[name];
    for (const name of functionOptions(stream)) {
      stream[name] = (...args: unknown[]) => this.#fns[name]!(...args); // the newest one
    }
    const key = url !== null && enabled !== false ? streamKey(url, stream) : undefined;
    return (this.#plan = { options, key, stream });
  }

  #read(connection: StreamConnection): void {
    this.#snap = connection.getSnapshot();
    this.#raw = lastEvent(connection, this.#o);
  }

  /** Takes the connection's state (once per frame) and tells listeners if the result changed. */
  #pull(optionsOnly?: boolean): void {
    const before = this.#result;
    if (!optionsOnly && this.#lease) this.#read(this.#lease.connection);
    if (before && this.getSnapshot() !== before) this.notify();
  }

  #event(raw: SSEMessage): void {
    const { parse, onEvent, onError } = this.#o;
    const event = parseEvent(raw, parse, this.#cache);
    if (!(event instanceof SSEError)) onEvent?.(event);
    else if (onError) onError(event, raw);
    else console.error(event);
  }

  #compute(
    options: StreamObserverOptions,
    snapshot: ConnectionSnapshot,
    raw: SSEMessage | undefined,
  ): StreamResult {
    const { parse, select, isEqual = Object.is } = options;
    const i = this.#inputs; // per render: the unchanged case allocates nothing
    if (this.#result && i[0] === snapshot && i[1] === raw && i[2] === parse && i[3] === select)
      return this.#result;
    this.#inputs = [snapshot, raw, parse, select];
    const prev = this.#values;
    const message = snapshot.lastMessage && parseEvent(snapshot.lastMessage, parse, this.#cache);
    const event = raw && parseEvent(raw, parse, this.#cache);
    // A message that fails to decode leaves the last good one in place; the failure is the
    // hook's error until the next message.
    const state: EventSourceState<unknown> =
      message instanceof SSEError
        ? { ...snapshot, lastMessage: prev?.lastMessage ?? null, error: message }
        : message === snapshot.lastMessage
          ? snapshot
          : { ...snapshot, lastMessage: message };
    const values = (this.#values = {
      ...state,
      event: event instanceof SSEError ? prev?.event : event,
    });
    const selected = select?.(state);
    const shown = this.#shown;
    if (
      !this.#result ||
      (select && !isEqual(this.#selected, selected)) ||
      [...this.#tracked].some((field) => !Object.is(shown![field], values[field]))
    ) {
      this.#result = this.#build(options, values, selected);
      this.#selected = selected;
      this.#shown = values;
    }
    return this.#result;
  }

  #build(options: StreamObserverOptions, values: Values, selected: unknown): StreamResult {
    const result = { selected, open: this.open, close: this.close };
    for (const field of options.type === undefined ? STATE_FIELDS : FIELDS) {
      Object.defineProperty(result, field, {
        enumerable: true,
        get: () => (this.#tracked.add(field), values[field]),
      });
    }
    return result as StreamResult;
  }
}
