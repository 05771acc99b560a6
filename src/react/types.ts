import type { StreamOptions } from '../core/options.js';
import type { ParseOption, TypedMessage } from '../core/parseEvent.js';

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
