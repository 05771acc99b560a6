/**
 * Token streams (LLM chat replies): one POST per generation, tokens extracted from each event,
 * revealed at the pace they arrive (see {@link TextReveal}) with at most one published change per
 * animation frame, as text and as Markdown blocks.
 *
 * No React here: the React hook is a thin adapter over {@link TextStream}.
 */
import { ANY_EVENT, Connection, type BodyOption } from './connection.js';
import { SSEError } from './errors.js';
import { animationFrames, type FrameScheduler } from './frameScheduler.js';
import { shouldRetry } from './reconnect.js';
import {
  readReply,
  sessionReplyStorage,
  watchPage,
  writeReply,
  type ReplyStorage,
} from './replyStorage.js';
import { selectToken } from './selectToken.js';
import { BlockSplitter } from './textBlocks.js';
import { TextReveal } from './textReveal.js';
import type { HeadersOption, ReconnectPolicy, SSEMessage } from './types.js';

export type { FrameScheduler } from './frameScheduler.js';
export type { ReplyStorage } from './replyStorage.js';
export { selectToken } from './selectToken.js';

/**
 * `idle` before the first start or after reset; `streaming` from `start()` (or a resume) until
 * the end; `done` after the sentinel or a clean end of the stream; `stopped` after `stop()`;
 * `error` when the request or the stream failed.
 */
export type TextStreamStatus = 'idle' | 'streaming' | 'done' | 'stopped' | 'error';

/** An immutable view of a text stream; a new object is published on every change. */
export interface TextStreamSnapshot {
  /** The text revealed so far. After done, stop or error it is everything received. */
  readonly text: string;
  /**
   * `text` split into Markdown blocks (paragraphs, fenced code, list items, headings) that join
   * back into `text`. While streaming, every block but the last is final: it never changes
   * again, so a renderer memoised per block re-parses only the last one.
   */
  readonly blocks: readonly string[];
  readonly status: TextStreamStatus;
  /**
   * The failure when `status` is `error`. While `resume` retries a lost stream, the loss is
   * shown here with `willRetry: true` and `status` stays `streaming`.
   */
  readonly error: SSEError | null;
}

/** Options of one generation. */
export interface TextStreamOptions {
  /** HTTP method (default `POST`). */
  method?: string;
  /** Header values, or a function (possibly async) called before the request, e.g. for a fresh token. */
  headers?: HeadersOption;
  /** Request body; objects are sent as JSON with `Content-Type: application/json`. */
  body?: BodyOption;
  /** Fetch credentials mode (default `same-origin`). */
  credentials?: RequestCredentials;
  /** A custom `fetch` (proxies, test doubles). */
  fetch?: typeof fetch;
  /**
   * Extracts the token of one event; return `null`, `undefined` or `''` to skip the event.
   * Default: {@link selectToken} (OpenAI-style chunks, else the raw data).
   */
  select?: (message: SSEMessage) => string | null | undefined;
  /** Data that ends the generation (compared after trimming). Default `'[DONE]'`; `false` for none. */
  done?: string | false;
  /**
   * `true` (default): reveal at the pace tokens arrive, word by word (character by character in
   * Chinese, Japanese, Thai...), never more than `maxLag` behind. `false`: show text as it
   * arrives (once a frame). Users who prefer reduced motion always get `false`.
   */
  pace?: boolean;
  /**
   * The most a character is shown after its arrival, in ms (default 400), but for the last
   * character of what arrived, which waits for the next token or the end (an accent or a skin
   * tone may still extend it).
   */
  maxLag?: number;
  /**
   * When the stream breaks, request it again with `Last-Event-ID` (`true`, or a backoff policy;
   * default `false`: report the loss as an error). Only streams whose events carry an `id` are
   * resumed, so a generation is never started over from scratch.
   */
  resume?: boolean | ReconnectPolicy;
  /**
   * Opt in to replies that survive a page reload: the reply's text and last event id are kept in
   * `sessionStorage` under this key while it streams. A {@link TextStream.resumeStored} call
   * with the same key (`useStreamText` makes it on mount) shows that text at once and continues
   * with `GET resumeUrl` and `Last-Event-ID`: the prompt is not sent again. Needs event ids.
   */
  resumeKey?: string;
  /** Where a stored reply is requested again (GET with `Last-Event-ID`). Default: the start URL. */
  resumeUrl?: string;
  /** Called once when a generation ends with `done`, `stopped` or `error`. */
  onFinish?: (snapshot: TextStreamSnapshot) => void;
}

/** Environment hooks, for tests and non-browser hosts. */
export interface TextStreamEnvironment {
  /** Default: `requestAnimationFrame` when present, else a 16 ms timer. */
  frames?: FrameScheduler;
  /** Default: the `prefers-reduced-motion: reduce` media query, read at each start. */
  reducedMotion?: () => boolean;
  /** Milliseconds clock for pacing. Default `performance.now()`. */
  now?: () => number;
  /** Default: `sessionStorage` when usable, else nothing is kept. */
  storage?: ReplyStorage | null;
}

/** With `resume: true`: the default backoff, giving up after a few attempts. */
const RESUME_POLICY: ReconnectPolicy = { maxAttempts: 5 };

/** The stored reply is written at most this often while streaming, and when the page hides. */
const SAVE_EVERY_MS = 250;

const IDLE: TextStreamSnapshot = Object.freeze({
  text: '',
  blocks: Object.freeze([]) as readonly string[],
  status: 'idle',
  error: null,
});

/**
 * One chat reply at a time: POSTs, reads the SSE reply, collects tokens and reveals them at the
 * pace they arrive. State is published as immutable snapshots (`getSnapshot` / `subscribe`), at
 * most once per animation frame while streaming and at once when the generation ends.
 *
 * It never sends a request by itself: only `start()` does (and `resume` after a break, or
 * `resumeStored()` for a reply kept with `resumeKey`). Page visibility changes are ignored.
 *
 * @example
 * ```ts
 * const stream = new TextStream();
 * stream.subscribe(() => render(stream.getSnapshot().blocks));
 * stream.start('/api/chat', { headers: { Authorization: `Bearer ${token}` }, body: { prompt } });
 * // stream.stop() aborts the request and keeps the text so far
 * ```
 */
export class TextStream {
  #snapshot: TextStreamSnapshot = IDLE;
  readonly #listeners = new Set<() => void>();
  readonly #env: TextStreamEnvironment;
  readonly #now: () => number;
  readonly #blocks = new BlockSplitter();

  /** Ends the running generation's wiring (listeners, connection); null when none runs. */
  #detach: (() => void) | null = null;
  #onFinish: TextStreamOptions['onFinish'];
  #reveal = new TextReveal();
  #frames: FrameScheduler | null = null;
  #frameHandle: unknown = undefined;
  #framePending = false;
  /** Key of the stored reply of the running generation, if any. */
  #resumeKey: string | undefined;
  /** Stores the running generation's checkpoint now. */
  #save = noop;

  constructor(env: TextStreamEnvironment = {}) {
    this.#env = env;
    this.#now = env.now ?? defaultNow;
  }

  /** The current immutable state. Same object until something changes. */
  getSnapshot = (): TextStreamSnapshot => this.#snapshot;

  /** Calls `listener` after every state change. Returns the unsubscribe function. */
  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** Whether a generation is running (a request is open or being retried). */
  get running(): boolean {
    return this.#detach !== null;
  }

  /** Starts a new generation: aborts a running one and clears the text. */
  start(url: string, options: TextStreamOptions = {}): void {
    this.#teardown();
    this.#forget();
    this.#run(url, options, options.method ?? 'POST', options.body, '');
  }

  /**
   * Continues the reply stored under `options.resumeKey`, if one is stored and no generation
   * runs: shows its text at once and requests the rest with `GET` and `Last-Event-ID`. Returns
   * whether it did.
   */
  resumeStored(options: TextStreamOptions): boolean {
    const key = options.resumeKey;
    if (key === undefined || this.#detach !== null) return false;
    const stored = readReply(this.#storage(), key);
    if (stored) this.#run(stored.url, options, 'GET', undefined, stored.id, stored.text);
    return !!stored;
  }

  /** Aborts the running generation (the request is cancelled) and keeps the text received so far. */
  stop(): void {
    if (this.#snapshot.status === 'streaming') this.#finish('stopped', null);
  }

  /**
   * Aborts the request without ending the generation: a reply kept with `resumeKey` stays
   * stored, to be continued by `resumeStored()` (a component that unmounts, a page that unloads).
   * Without `resumeKey` it is `stop()`.
   */
  suspend(): void {
    if (this.#resumeKey === undefined || this.#detach === null) return this.stop();
    this.#save();
    this.#teardown();
  }

  /** Aborts any running generation and clears the text: back to `idle`. */
  reset(): void {
    this.#teardown();
    this.#forget();
    this.#reveal = new TextReveal();
    this.#blocks.reset();
    this.#publish(IDLE);
  }

  /** Runs a generation: a new one, or a stored one continued from `restored`. */
  #run(
    url: string,
    options: TextStreamOptions,
    method: string,
    body: BodyOption | undefined,
    lastEventId: string,
    restored?: string,
  ): void {
    this.#onFinish = options.onFinish;
    this.#frames = this.#env.frames ?? animationFrames();
    const reduced = (this.#env.reducedMotion ?? prefersReducedMotion)();
    const reveal = (this.#reveal = new TextReveal({
      pace: !reduced && options.pace !== false,
      maxLag: options.maxLag,
    }));
    this.#blocks.reset();
    if (restored) reveal.restore(restored);
    const key = (this.#resumeKey = options.resumeKey);
    const resumeUrl = restored === undefined ? (options.resumeUrl ?? url) : url;

    let live = true;
    // The stored checkpoint: the last event id and the text received up to the event that set it,
    // so a replay after that id neither repeats nor skips a token.
    let checkpointId = lastEventId;
    let checkpointText = reveal.received;
    let savedAt = -Infinity;
    const save = (this.#save = () => {
      if (key === undefined || checkpointId === '') return;
      savedAt = this.#now();
      const reply = { url: resumeUrl, id: checkpointId, text: checkpointText, at: Date.now() };
      writeReply(this.#storage(), key, reply);
    });

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
        error.code !== 'stream-ended' &&
        shouldRetry(error) &&
        conn.getSnapshot().lastEventId !== '',
    });
    const select = options.select ?? selectToken;
    const sentinel = options.done ?? '[DONE]';
    const offs = [
      conn.addEventListener(ANY_EVENT, (message) => {
        if (!live) return;
        if (sentinel !== false && message.data.trim() === sentinel)
          return this.#finish('done', null);
        let token: string | null | undefined;
        try {
          token = select(message);
        } catch (cause) {
          const error = new SSEError('parse', 'The select function failed', {
            code: 'select',
            cause,
          });
          return this.#finish('error', error);
        }
        if (token) {
          reveal.push(token, this.#now());
          this.#requestFrame();
        }
        if (message.lastEventId !== checkpointId) {
          checkpointId = message.lastEventId;
          checkpointText = reveal.received;
          if (this.#now() - savedAt >= SAVE_EVERY_MS) save();
        }
      }),
      conn.onError((error) => {
        if (!live) return;
        if (error.willRetry) this.#publish({ error });
        else if (error.code === 'stream-ended') this.#finish('done', null);
        else this.#finish('error', error);
      }),
      conn.onOpen(() => {
        if (live && this.#snapshot.error) this.#publish({ error: null });
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
          // Back from the back/forward cache: the request did not survive, the stored reply did.
          () => {
            if (!hidden) return;
            this.#teardown();
            this.resumeStored(options);
          },
          save,
        ),
      );
    }

    let opened = false;
    this.#detach = () => {
      live = false;
      for (const off of offs) off();
      if (opened) conn.close();
      opened = true;
    };
    const open = () => {
      if (opened) return;
      opened = true;
      conn.open();
    };
    const text = reveal.shownText;
    this.#publish({
      text,
      blocks: this.#blocks.update(text, false),
      status: 'streaming',
      error: null,
    });
    // A resume made from a mount effect: React's development double mount tears it down at
    // once, before this runs, so it sends no request for nothing.
    if (restored === undefined) open();
    else queueMicrotask(open);
  }

  #storage(): ReplyStorage | null {
    const { storage } = this.#env;
    return storage === undefined ? sessionReplyStorage() : storage;
  }

  /** Drops the stored reply of the running generation. */
  #forget(): void {
    if (this.#resumeKey !== undefined) writeReply(this.#storage(), this.#resumeKey, null);
    this.#resumeKey = undefined;
  }

  #teardown(): void {
    this.#detach?.();
    this.#detach = null;
    this.#save = noop;
    if (this.#framePending) this.#frames?.cancel(this.#frameHandle);
    this.#framePending = false;
    this.#frameHandle = undefined;
  }

  #finish(status: 'done' | 'stopped' | 'error', error: SSEError | null): void {
    this.#teardown();
    this.#forget();
    this.#reveal.end();
    const text = this.#reveal.received;
    this.#publish({ text, blocks: this.#blocks.update(text, true), status, error });
    const onFinish = this.#onFinish;
    this.#onFinish = undefined;
    onFinish?.(this.#snapshot);
  }

  #requestFrame(): void {
    if (!this.#framePending && this.#frames) {
      this.#framePending = true;
      this.#frameHandle = this.#frames.request(this.#tick);
    }
  }

  readonly #tick = (): void => {
    this.#framePending = false;
    this.#frameHandle = undefined;
    if (this.#detach === null) return;
    if (this.#reveal.frame(this.#now())) {
      const text = this.#reveal.shownText;
      this.#publish({ text, blocks: this.#blocks.update(text, false) });
    }
    if (this.#reveal.pending) this.#requestFrame();
  };

  #publish(patch: Partial<TextStreamSnapshot>): void {
    this.#snapshot = { ...this.#snapshot, ...patch };
    for (const listener of this.#listeners) listener();
  }
}

function noop(): void {}

function defaultNow(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

function prefersReducedMotion(): boolean {
  try {
    return globalThis.matchMedia?.('(prefers-reduced-motion: reduce)')?.matches === true;
  } catch {
    return false;
  }
}
