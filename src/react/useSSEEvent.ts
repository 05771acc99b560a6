import { useState, useSyncExternalStore } from 'react';
import { SSEError } from '../core/errors.js';
import type { SSEMessage } from '../core/types.js';
import type { StreamDescriptor } from './defineStream.js';
import { parseEvent, type ParseCache } from './parseEvent.js';
import type { HookStreamOptions, ParseOption, TypedMessage } from './types.js';
import { useStream, type StreamTarget } from './useStream.js';

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

/** One hook's memory: its parse cache and the last value it returned. */
interface Memo {
  readonly cache: ParseCache;
  raw?: SSEMessage | undefined;
  parse?: ParseOption | undefined;
  value?: TypedMessage<unknown> | undefined;
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
  const [memo] = useState<Memo>(() => ({ cache: new WeakMap() }));
  const { cache } = memo;
  const { onEvent, onError } = options;

  const { store, subscribe, parse } = useStream(target, options, type, (raw, newest) => {
    const event = parseEvent(raw, newest, cache);
    if (!(event instanceof SSEError)) onEvent?.(event);
    else if (onError) onError(event, raw);
    else console.error(event);
  });

  const read = (): TypedMessage<unknown> | undefined => {
    const raw = store?.getLastEvent(type);
    // A new inline parse function decodes from the same per-hook cache, so comparing identity
    // costs no extra decoding.
    if (raw === memo.raw && parse === memo.parse) return memo.value;
    const decoded = raw && parseEvent(raw, parse, cache);
    // A message that fails to decode leaves the last good one in place.
    const value = decoded instanceof SSEError ? memo.value : decoded;
    Object.assign(memo, { raw, parse, value });
    return value;
  };

  return useSyncExternalStore(subscribe, read, () => undefined);
}
