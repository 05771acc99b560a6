import type { SSEError } from '../core/errors.js';
import type { SSEMessage } from '../core/types.js';
import type { StreamDescriptor } from './defineStream.js';
import { useObserverOptions, type StreamTarget } from './streamContext.js';
import type { HookStreamOptions, ParseOption, TypedMessage } from './types.js';
import { useStreamObserver } from './useStreamObserver.js';

/** Options of {@link useSSEEvent}. */
export interface UseSSEEventOptions<TEvent = TypedMessage> extends HookStreamOptions {
  /**
   * Called once for every event of the type, in order, synchronously as it arrives: nothing is
   * lost in a burst even though renders are batched. It does not re-render by itself, and an
   * inline function is fine (the newest one is called).
   */
  onEvent?: (event: TEvent) => void;
  /**
   * Called when `parse` fails on an event of the type, with an `SSEError` of type `'parse'`
   * (code `'invalid-json'` for `'json'`, `'parse-failed'` for a function). The stream goes on and
   * the hook keeps returning the last event that decoded. Without it the error is logged.
   */
  onError?: (error: SSEError, message: SSEMessage) => void;
}

/**
 * The last event of one named type on a shared stream (`{ data, type, lastEventId, origin }`),
 * or `undefined` before the first. The component re-renders only when an event of this type
 * arrives (batched per frame), never for other types. `onEvent` sees every event.
 *
 * Given a {@link defineStream} descriptor, the type is checked against the declared event map
 * and `data` has the declared shape.
 *
 * @example
 * ```tsx
 * const dashboard = defineStream<{ alert: { level: string; text: string } }>('/api/events');
 *
 * function AlertBadge() {
 *   const alert = useSSEEvent(dashboard, 'alert');
 *   return alert ? <span className={alert.data.level}>{alert.data.text}</span> : null;
 * }
 *
 * function Ticker() {
 *   const [lines, setLines] = useState<string[]>([]);
 *   useSSEEvent('/api/events', 'update', {
 *     onEvent: (e) => setLines((all) => [...all, e.data]), // every event, in order
 *   });
 *   return <pre>{lines.join('\n')}</pre>;
 * }
 * ```
 */
export function useSSEEvent<TData = unknown>(
  url: string | null,
  type: string,
  options: UseSSEEventOptions<TypedMessage<TData>> & { parse: ParseOption<TData> },
): TypedMessage<TData> | undefined;
export function useSSEEvent<TData = string>(
  url: string | null,
  type: string,
  options?: UseSSEEventOptions<TypedMessage<TData>> & { parse?: undefined },
): TypedMessage<TData> | undefined;
// The descriptor overload comes last: when no overload matches, compilers report the last one's
// error, and for a typed stream that names the misspelled event and the valid ones.
export function useSSEEvent<E extends object, K extends keyof E & string>(
  stream: StreamDescriptor<E> | null,
  type: K,
  options?: UseSSEEventOptions<TypedMessage<E[K], K>> & { parse?: ParseOption<unknown> },
): TypedMessage<E[K], K> | undefined;
export function useSSEEvent(
  target: StreamTarget,
  type: string,
  options: UseSSEEventOptions<TypedMessage<unknown>> & { parse?: ParseOption | undefined } = {},
): TypedMessage<unknown> | undefined {
  return useStreamObserver({ ...useObserverOptions(target, options), type }).event;
}
