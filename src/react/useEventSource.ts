import { useMemo, useState, useSyncExternalStore } from 'react';
import { INITIAL } from '../core/connection.js';
import { SSEError } from '../core/errors.js';
import type { ConnectionSnapshot } from '../core/types.js';
import type { StreamDescriptor } from './defineStream.js';
import { parseEvent, type ParseCache } from './parseEvent.js';
import type {
  EventSourceState,
  HookStreamOptions,
  ParseOption,
  TypedMessage,
  StreamMessage,
} from './types.js';
import { useStream, type StreamTarget } from './useStream.js';

/** Options of {@link useEventSource}. */
export interface UseEventSourceOptions<
  TMessage = TypedMessage,
  TSelected = undefined,
> extends HookStreamOptions {
  /**
   * Subscribe to a derived value only: the component re-renders when `isEqual` says the
   * selection changed, and reads it as `selected`. May be an inline function.
   */
  select?: (state: EventSourceState<TMessage>) => TSelected;
  /** Compares two selections (default `Object.is`); see also `shallowEqual`. */
  isEqual?: (a: TSelected, b: TSelected) => boolean;
}

/** What {@link useEventSource} returns. */
export interface UseEventSourceResult<
  TMessage = TypedMessage,
  TSelected = undefined,
> extends EventSourceState<TMessage> {
  /** What `select` returned (undefined without `select`). */
  readonly selected: TSelected;
  /** Opens the stream if it is closed (e.g. after `close()` or a permanent error). Stable. */
  readonly open: () => void;
  /**
   * Closes the stream now, for every hook that shares it, until `open()` or a newly mounted hook
   * opens it again. Stable.
   */
  readonly close: () => void;
}

type Field = keyof EventSourceState;
type State = EventSourceState<unknown>;

// What an enabled hook shows before its effect has connected, on the server and while hydrating.
const PENDING: ConnectionSnapshot = /* @__PURE__ */ Object.freeze({
  ...INITIAL,
  status: 'connecting',
  readyState: 0,
});
// Every state field: the keys of a snapshot are those of the public state.
const FIELDS = Object.keys(INITIAL) as Field[];

interface View {
  readonly state: State;
  readonly selected: unknown;
}

/** One hook's memory: the fields its component read, its parse cache, and the last view. */
interface Memo {
  readonly tracked: Set<Field>;
  readonly cache: ParseCache;
  snapshot?: ConnectionSnapshot;
  parse?: ParseOption | undefined;
  select?: ((state: State) => unknown) | undefined;
  state?: State;
  view?: View;
}

/**
 * The state of a shared Server-Sent Events stream: `{ readyState, status, lastMessage,
 * lastEventId, error, attempt, nextRetryAt, open, close }`.
 *
 * Every hook under one provider with the same url and equal options shares one connection
 * (StrictMode included); it closes a short while after its last user unmounts. A `null` url or
 * `enabled: false` connects nothing. Changing the url or options moves the hook to the right
 * connection and releases the old one.
 *
 * Renders are economical: changes are batched per animation frame (see `throttle`), and the
 * component re-renders only when a field it read changed, so a component that reads only
 * `readyState` does not re-render per message. `select` narrows further.
 *
 * @example
 * ```tsx
 * function Status() {
 *   const { status, attempt, lastMessage, close } = useEventSource('/api/events', {
 *     withCredentials: true,
 *   });
 *   if (status === 'reconnecting') return <p>Reconnecting (attempt {attempt})…</p>;
 *   return <p>{status}: {lastMessage?.data} <button onClick={close}>Stop</button></p>;
 * }
 *
 * // Only re-renders when the connection goes up or down:
 * const { selected: online } = useEventSource(url, { select: (s) => s.readyState === 1 });
 * ```
 */
export function useEventSource<E extends object, TSelected = undefined>(
  stream: StreamDescriptor<E> | null,
  options?: UseEventSourceOptions<StreamMessage<E>, TSelected> & { parse?: ParseOption<unknown> },
): UseEventSourceResult<StreamMessage<E>, TSelected>;
export function useEventSource<TData = unknown, TSelected = undefined>(
  url: string | null,
  options: UseEventSourceOptions<TypedMessage<TData>, TSelected> & { parse: ParseOption<TData> },
): UseEventSourceResult<TypedMessage<TData>, TSelected>;
export function useEventSource<TData = string, TSelected = undefined>(
  url: string | null,
  options?: UseEventSourceOptions<TypedMessage<TData>, TSelected> & { parse?: undefined },
): UseEventSourceResult<TypedMessage<TData>, TSelected>;
export function useEventSource(
  target: StreamTarget,
  options: HookStreamOptions & {
    parse?: ParseOption | undefined;
    select?: ((state: never) => unknown) | undefined;
    isEqual?: ((a: never, b: never) => boolean) | undefined;
  } = {},
): UseEventSourceResult<unknown, unknown> {
  const { store, subscribe, enabled, parse, controls } = useStream(target, options);
  const select = options.select as Memo['select'];
  const isEqual = (options.isEqual ?? Object.is) as (a: unknown, b: unknown) => boolean;
  const [memo] = useState<Memo>(() => ({ tracked: new Set(), cache: new WeakMap() }));
  const { tracked } = memo;

  const viewOf = (snapshot: ConnectionSnapshot): View => {
    const { view: prev, state: prevState } = memo;
    const same = memo.snapshot === snapshot && memo.parse === parse;
    if (same && memo.select === select) return prev!;
    const state = same ? prevState! : deriveState(snapshot, parse, memo.cache, prevState);
    const selected = select?.(state);
    const view =
      prev &&
      (!select || isEqual(prev.selected, selected)) &&
      sameFields(prev.state, state, tracked)
        ? prev
        : { state, selected };
    Object.assign(memo, { snapshot, parse, select, state, view });
    return view;
  };

  const fallback = enabled ? PENDING : INITIAL;
  const view = useSyncExternalStore(
    subscribe,
    () => viewOf(store ? store.getSnapshot() : fallback),
    () => viewOf(fallback),
  );

  // Each state field is a getter that records that the component read it; the hook then compares
  // only recorded fields, so unread fields never cause a render.
  return useMemo(() => {
    const result = { selected: view.selected, open: controls.open, close: controls.close };
    for (const field of FIELDS) {
      Object.defineProperty(result, field, {
        enumerable: true,
        get: () => (tracked.add(field), view.state[field]),
      });
    }
    return result as UseEventSourceResult<unknown, unknown>;
  }, [view, tracked, controls]);
}

/** Whether `a` and `b` agree on every field in `fields` (read on every store change). */
function sameFields(a: State, b: State, fields: Set<Field>): boolean {
  for (const field of fields) if (!Object.is(a[field], b[field])) return false;
  return true;
}

/** The public state of a snapshot, with `lastMessage` decoded by `parse`. */
function deriveState(
  snapshot: ConnectionSnapshot,
  parse: ParseOption | undefined,
  cache: ParseCache,
  prev: State | undefined,
): State {
  const raw = snapshot.lastMessage;
  const decoded = raw && parseEvent(raw, parse, cache);
  // Keep the last message that decoded; the failure is this hook's error until the next one.
  return decoded === raw
    ? snapshot
    : decoded instanceof SSEError
      ? { ...snapshot, lastMessage: prev?.lastMessage ?? null, error: decoded }
      : { ...snapshot, lastMessage: decoded };
}
