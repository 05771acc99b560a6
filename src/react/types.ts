import type { HookStreamOptions, StreamOptions } from '../core/options.js';
import type { ParseOption, TypedMessage } from '../core/parseEvent.js';
import type { EventSourceState } from '../core/streamObserver.js';

export type { HookStreamOptions, StreamOptions } from '../core/options.js';
export type { ParseOption, TypedMessage } from '../core/parseEvent.js';
export type { EventSourceState } from '../core/streamObserver.js';

/** Defaults a provider gives every hook below it. */
export interface EventSourceDefaults extends StreamOptions {
  /** Decode `data` for hooks that give no `parse` of their own. */
  parse?: ParseOption<unknown>;
}

/**
 * The union of typed events of an event map: `{ a: A; b: B }` gives
 * `TypedMessage<A, 'a'> | TypedMessage<B, 'b'>`, so a `switch (message.type)` narrows `data`.
 */
export type StreamMessage<E extends object> = {
  [K in keyof E & string]: TypedMessage<E[K], K>;
}[keyof E & string];

/** Options of `useEventSource`. */
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

/** What `useEventSource` returns. */
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
