import type { TypedMessage } from './parseEvent.js';
import type { ConnectionSnapshot } from './types.js';

/**
 * The state of a stream as a hook shows it: the connection's snapshot, with `lastMessage`
 * decoded by `parse` (a failure is the hook's `'parse'` error until the next message).
 */
export type EventSourceState<TMessage = TypedMessage> = Omit<ConnectionSnapshot, 'lastMessage'> & {
  /** The last event of any type (data parsed when asked), or null before the first. */
  readonly lastMessage: TMessage | null;
};

/**
 * What a `StreamObserver` hands out: the state fields, the last event of its type, the
 * selection, and `open`/`close`. The fields are getters that record what was read: a new result
 * is made only when a field that was read (or the selection) changed.
 */
export interface StreamResult extends EventSourceState<unknown> {
  readonly event: TypedMessage<unknown> | undefined;
  readonly selected: unknown;
  /** Opens the stream if it is closed. Stable. */
  readonly open: () => void;
  /** Closes the stream now, for every user that shares it. Stable. */
  readonly close: () => void;
}

/** The fields of a result that are read from the stream (and tracked). */
export type Values = Omit<StreamResult, 'selected' | 'open' | 'close'>;
export type Field = keyof Values;
