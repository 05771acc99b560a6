/**
 * One generation's request: the connection, what its events and errors do to the reply, the
 * stored checkpoint and the page events that keep it across a reload. The reply's state lives in
 * {@link TextStream}; this is the wiring, built per generation and torn down with it.
 */
import { ANY_EVENT, Connection } from './connection.js';
import type { BodyOption, ReconnectPolicy } from './types.js';
import { SSEError } from './errors.js';
import { shouldRetry } from './reconnect.js';
import { replyCheckpoint, watchPage, type ReplyStorage } from './replyStorage.js';
import { selectToken } from './selectToken.js';
import type { TextReveal } from './textReveal.js';
import type { TextStreamOptions } from './textStreamOptions.js';

/** What a request does to the reply it feeds. */
export interface ReplyHost {
  readonly now: () => number;
  readonly storage: () => ReplyStorage | null;
  /** A token was pushed to the reveal. */
  token(): void;
  /** The stream broke and is being requested again (an error), or it opened again (null). */
  retrying(error: SSEError | null): void;
  finish(status: 'done' | 'error', error: SSEError | null): void;
  /** Back from the back/forward cache: the request did not survive, the stored reply did. */
  restore(options: TextStreamOptions): void;
}

/** A generation's request, before it is sent. */
export interface ReplyRequest {
  /** Sends the request (once, and not after `detach`). */
  open(): void;
  /** Stores the checkpoint now. */
  save(): void;
  /** Removes every listener and aborts the request. */
  detach(): void;
}

/** With `resume: true`: the default backoff, giving up after a few attempts. */
const RESUME_POLICY: ReconnectPolicy = { maxAttempts: 5 };

/** Wires the request of one generation that feeds `reveal`; nothing is sent before `open()`. */
export function requestReply(
  host: ReplyHost,
  reveal: TextReveal,
  url: string,
  options: TextStreamOptions,
  method: string,
  body: BodyOption | undefined,
  lastEventId: string,
  resumeUrl: string,
): ReplyRequest {
  const key = options.resumeKey;
  const storage = () => host.storage();
  const checkpoint = replyCheckpoint(
    storage,
    key,
    resumeUrl,
    lastEventId,
    reveal.received,
    host.now,
  );
  const save = checkpoint.save;
  const conn: Connection = new Connection(url, {
    method,
    headers: options.headers,
    body,
    credentials: options.credentials,
    fetch: options.fetch,
    transport: 'fetch',
    lastEventId: lastEventId || undefined,
    reconnect: options.resume === true ? RESUME_POLICY : options.resume || false,
    // Resume only a stream that can be resumed (it sent ids) and only after a break: a clean
    // end is the end, and retrying a request that never produced an id would run it again.
    retryOn: (error) =>
      error.code !== 'stream-ended' && shouldRetry(error) && conn.getSnapshot().lastEventId !== '',
  });
  const select = options.select ?? selectToken;
  const sentinel = options.done ?? '[DONE]';
  let live = true;
  const offs = [
    conn.addEventListener(ANY_EVENT, (message) => {
      if (!live) return;
      if (sentinel !== false && message.data.trim() === sentinel) return host.finish('done', null);
      let token: string | null | undefined;
      try {
        token = select(message);
      } catch (cause) {
        const error = new SSEError('parse', 'The select function failed', {
          code: 'select',
          cause,
        });
        return host.finish('error', error);
      }
      if (token) {
        reveal.push(token, host.now());
        host.token();
      }
      checkpoint.moved(message.lastEventId, reveal.received);
    }),
    conn.onError((error) => {
      if (!live) return;
      if (error.willRetry) host.retrying(error);
      else if (error.code === 'stream-ended') host.finish('done', null);
      else host.finish('error', error);
    }),
    conn.onOpen(() => {
      if (live) host.retrying(null);
    }),
  ];
  if (key !== undefined) {
    let hidden = false;
    offs.push(
      watchPage(
        // A reload or a tab closed mid-reply: keep the latest checkpoint, and do not let the
        // abort that follows end (and forget) the reply.
        () => {
          if (!live) return;
          save();
          live = false;
          hidden = true;
        },
        () => {
          if (hidden) host.restore(options);
        },
        save,
      ),
    );
  }

  let opened = false;
  return {
    open() {
      if (opened) return;
      opened = true;
      conn.open();
    },
    save,
    detach() {
      live = false;
      for (const off of offs) off();
      if (opened) conn.close();
      opened = true;
    },
  };
}
