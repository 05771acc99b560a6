/**
 * What tabs say to each other on a stream's `BroadcastChannel`. Keys are one or two letters
 * because every event of the stream crosses the channel once per message.
 */
import { SSEError, type SSEErrorInit, type SSEErrorType } from '../errors.js';
import type { ConnectionStatus, Continuity, SSEMessage } from '../types.js';

/** The part of a `BroadcastChannel` tab sharing uses. */
export interface TabChannel {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  close(): void;
}

/** Serialised {@link SSEError}: errors cross the channel as plain data. */
export interface WireError {
  type: SSEErrorType;
  message: string;
  init: SSEErrorInit;
}

export interface WireState<E> {
  status: ConnectionStatus;
  attempt: number;
  nextRetryAt: number | null;
  error: E | null;
  lastEventId: string;
  continuity: Continuity;
}

/** One change of the leader's stream; a tab applies the leader's own ones with live errors. */
export type Item<E = WireError> =
  | { t: 'ev'; m: SSEMessage }
  | { t: 'st'; s: WireState<E> }
  | { t: 'open' }
  | { t: 'err'; x: E }
  | { t: 'bye' };

/**
 * A leader's identity: `e` its epoch (a time, newer wins), `f` its tab, `r` the event ID it
 * resumed from.
 */
export interface Epoch {
  e: number;
  f: string;
  r: string;
}

/** A message of a stream's channel. */
export type Wire =
  | { k: 'hello'; tab: string }
  | { k: 'reopen' }
  | Lead
  | { k: 'resend'; e: number; f: string; tab: string; from: number }
  | (Epoch & { k: 'resent'; to: string; sent: Lead[] })
  | (Epoch & {
      k: 'sync';
      to: string;
      n: number;
      s: WireState<WireError>;
      m: SSEMessage | null;
      last: SSEMessage[];
    });

/** A leader's broadcast, numbered from 1 per epoch so a tab can tell what it missed. */
export type Lead = Epoch & { k: 'lead'; n: number; items: Item[] };

export function toWire(error: SSEError): WireError {
  const { type, message, status, contentType, willRetry, retryAfterMs, code, body } = error;
  return { type, message, init: { status, contentType, willRetry, retryAfterMs, code, body } };
}

/**
 * Turns wire errors back into {@link SSEError}s, one object per error however many messages
 * carry it, so a snapshot's `error` keeps its identity across the leader's state messages.
 */
export function errorReviver(): (error: SSEError | WireError) => SSEError {
  let key = '';
  let last: SSEError | null = null;
  return (error) => {
    if (error instanceof SSEError) return (last = error);
    const next = JSON.stringify(error);
    if (next !== key || !last) {
      key = next;
      last = new SSEError(error.type, error.message, error.init);
    }
    return last;
  };
}
