import type { BodyOption, HeadersOption, ReconnectPolicy, SSEMessage } from './types.js';
import type { SSEError } from './errors.js';
import type { FrameScheduler } from './frame.js';
import type { ReplyStorage } from './replyStorage.js';

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

/** Options of `useStreamText`. Read when `start()` is called, so they may change freely. */
export interface UseStreamTextOptions extends TextStreamOptions {
  /** Frame scheduling and reduced-motion detection, for tests and non-browser hosts. */
  environment?: TextStreamEnvironment;
}

/** What `useStreamText` returns. The functions keep their identity across renders. */
export interface UseStreamTextResult {
  /** The text revealed so far. */
  text: string;
  /**
   * `text` as Markdown blocks (paragraphs, fenced code, list items, headings), joined they give
   * `text`. While streaming only the last block changes: render each with a memoised component.
   */
  blocks: readonly string[];
  status: TextStreamStatus;
  /** The failure when `status` is `'error'` (or a loss being resumed, with `willRetry: true`). */
  error: SSEError | null;
  /** Starts a new generation, with `body` instead of `options.body` when given. Aborts a running one. */
  start: (body?: BodyOption) => void;
  /** Aborts the request and keeps the text so far (`status: 'stopped'`). */
  stop: () => void;
  /** Aborts and clears the text (`status: 'idle'`). */
  reset: () => void;
}
