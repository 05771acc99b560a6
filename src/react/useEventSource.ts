import type { StreamObserverOptions } from '../core/streamObserver.js';
import type { StreamDescriptor } from './defineStream.js';
import { useObserverOptions, type StreamTarget } from './streamContext.js';
import type {
  HookStreamOptions,
  ParseOption,
  StreamMessage,
  TypedMessage,
  UseEventSourceOptions,
  UseEventSourceResult,
} from './types.js';
import { useStreamObserver } from './useStreamObserver.js';

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
  return useStreamObserver(useObserverOptions(target, options) as StreamObserverOptions);
}
