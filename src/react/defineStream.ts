import type { ParseOption, StreamOptions } from './types.js';

declare const eventMap: unique symbol;

/** Options of a {@link defineStream} descriptor: stream options plus how to decode `data`. */
export interface StreamDescriptorOptions extends StreamOptions {
  /** How to decode `data` (default `'json'`). */
  parse?: ParseOption<unknown>;
}

/**
 * A stream declared once with its event map, usable in place of a url by `useEventSource` and
 * `useSSEEvent`. The map exists only in the type system.
 */
export interface StreamDescriptor<E extends object = Record<string, unknown>> {
  readonly url: string;
  readonly options: Readonly<StreamDescriptorOptions>;
  /** Type-only: the declared event map. */
  readonly [eventMap]?: E;
}

/**
 * Declares a stream and the data of each named event it sends. Hooks given the descriptor are
 * typed: the event type is checked against the map and `data` has the declared shape. `data` is
 * decoded with `JSON.parse` unless `options.parse` says otherwise.
 *
 * @example
 * ```ts
 * type Events = {
 *   notification: { id: string; text: string };
 *   alert: { level: 'info' | 'critical'; message: string };
 * };
 * export const dashboard = defineStream<Events>('/api/events', { withCredentials: true });
 *
 * function AlertBanner() {
 *   const alert = useSSEEvent(dashboard, 'alert'); // typed; useSSEEvent(dashboard, 'alrt') fails
 *   return alert ? <p>{alert.data.message}</p> : null;
 * }
 * ```
 */
export function defineStream<E extends object>(
  url: string,
  options: StreamDescriptorOptions = {},
): StreamDescriptor<E> {
  return Object.freeze({ url, options: Object.freeze({ parse: 'json' as const, ...options }) });
}

/** True for a {@link StreamDescriptor} (as opposed to a url string or null). */
export function isStreamDescriptor(value: unknown): value is StreamDescriptor<object> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { url?: unknown }).url === 'string'
  );
}
