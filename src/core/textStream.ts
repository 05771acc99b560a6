/**
 * Token streams (LLM chat replies): one POST per generation, tokens extracted from each event,
 * revealed at a steady pace with at most one published change per animation frame.
 *
 * No React here: the React hook is a thin adapter over {@link TextStream}.
 */
import { shouldRetry } from './reconnect.js';
import { ANY_EVENT, Connection, type BodyOption } from './connection.js';
import { SSEError } from './errors.js';
import type { HeadersOption, ReconnectPolicy, SSEMessage } from './types.js';

/**
 * `idle` before the first start or after reset; `streaming` from `start()` until the end;
 * `done` after the sentinel or a clean end of the stream; `stopped` after `stop()`; `error` when
 * the request or the stream failed.
 */
export type TextStreamStatus = 'idle' | 'streaming' | 'done' | 'stopped' | 'error';

/** An immutable view of a text stream; a new object is published on every change. */
export interface TextStreamSnapshot {
  /** The text revealed so far. After done, stop or error it is everything received. */
  readonly text: string;
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
   * Characters revealed per animation frame at least (default 3); a growing backlog is revealed
   * faster so the text never lags far behind. `false` shows everything received at each frame.
   * Users who prefer reduced motion get the same as `false`.
   */
  pace?: number | false;
  /**
   * When the stream breaks, request it again with `Last-Event-ID` (`true`, or a backoff policy;
   * default `false`: report the loss as an error). Only streams whose events carry an `id` are
   * resumed, so a generation is never started over from scratch.
   */
  resume?: boolean | ReconnectPolicy;
  /** Called once when a generation ends with `done`, `stopped` or `error`. */
  onFinish?: (snapshot: TextStreamSnapshot) => void;
}

/** Schedules work for the next frame. */
export interface FrameScheduler {
  request(callback: () => void): unknown;
  cancel(handle: unknown): void;
}

/** Environment hooks, for tests and non-browser hosts. */
export interface TextStreamEnvironment {
  /** Default: `requestAnimationFrame` when present, else a 16 ms timer. */
  frames?: FrameScheduler;
  /** Default: the `prefers-reduced-motion: reduce` media query, read at each `start()`. */
  reducedMotion?: () => boolean;
}

/** Default for {@link TextStreamOptions.pace}. */
export const DEFAULT_PACE = 3;

/**
 * The backlog is revealed within about this many frames, so the text trails what arrived by
 * roughly this many frames (100 ms at 60 Hz) however fast tokens come.
 */
export const CATCH_UP_FRAMES = 6;

/** With `resume: true`: the default backoff, giving up after a few attempts. */
const RESUME_POLICY: ReconnectPolicy = { maxAttempts: 5 };

const IDLE: TextStreamSnapshot = Object.freeze({ text: '', status: 'idle', error: null });

/**
 * How many characters to reveal this frame: at least `pace`, or a share of the backlog when it
 * has grown, so a burst is revealed quickly at first and gently at the end.
 *
 * @example
 * ```ts
 * revealCount(2, 3);    // 2 (all of it)
 * revealCount(10, 3);   // 3
 * revealCount(600, 3);  // 100
 * ```
 */
export function revealCount(
  backlog: number,
  pace: number,
  catchUpFrames = CATCH_UP_FRAMES,
): number {
  if (backlog <= 0) return 0;
  const step = Math.max(1, Math.floor(pace), Math.ceil(backlog / catchUpFrames));
  return Math.min(backlog, step);
}

/**
 * The default token extractor. JSON data in the OpenAI chat shape
 * (`{"choices":[{"delta":{"content":"Hi"}}]}`) gives `delta.content`; the completions shape gives
 * `choices[0].text`; `{"delta":{"text":...}}` (Anthropic) and `{"delta":"..."}` (OpenAI
 * Responses) give that text; a JSON string gives itself. Data that is not JSON is the token
 * as is. Anything else (role-only chunks, usage reports) gives `undefined`.
 *
 * @example
 * ```ts
 * selectToken({ type: 'message', data: '{"choices":[{"delta":{"content":"Hi"}}]}', lastEventId: '', origin: '' }); // 'Hi'
 * ```
 */
export function selectToken(message: SSEMessage): string | undefined {
  const data = message.data;
  const first = data.trimStart()[0];
  if (first !== '{' && first !== '"' && first !== '[') return data;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return data;
  }
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as {
    choices?: { delta?: { content?: unknown }; text?: unknown }[];
    delta?: unknown;
  };
  const choice = Array.isArray(record.choices) ? record.choices[0] : undefined;
  if (choice) {
    const content = choice.delta?.content ?? choice.text;
    return typeof content === 'string' ? content : undefined;
  }
  const delta = record.delta;
  if (typeof delta === 'string') return delta;
  if (typeof delta === 'object' && delta !== null) {
    const text = (delta as { text?: unknown }).text;
    if (typeof text === 'string') return text;
  }
  return undefined;
}

/**
 * One chat reply at a time: POSTs, reads the SSE reply, collects tokens and reveals them at a
 * steady pace. State is published as immutable snapshots (`getSnapshot` / `subscribe`), at most
 * once per animation frame while streaming and at once when the generation ends.
 *
 * It never sends a request by itself: only `start()` does (and `resume`, when asked for, after a
 * break). Page visibility changes are ignored.
 *
 * @example
 * ```ts
 * const stream = new TextStream();
 * stream.subscribe(() => render(stream.getSnapshot().text));
 * stream.start('/api/chat', { headers: { Authorization: `Bearer ${token}` }, body: { prompt } });
 * // stream.stop() aborts the request and keeps the text so far
 * ```
 */
export class TextStream {
  #snapshot: TextStreamSnapshot = IDLE;
  readonly #listeners = new Set<() => void>();
  readonly #env: TextStreamEnvironment;

  /** Ends the running generation's wiring (listeners, connection); null when none runs. */
  #detach: (() => void) | null = null;
  #onFinish: TextStreamOptions['onFinish'];
  #received = '';
  #shown = 0;
  #pace: number | false = DEFAULT_PACE;
  #frames: FrameScheduler | null = null;
  #frameHandle: unknown = undefined;
  #framePending = false;

  constructor(env: TextStreamEnvironment = {}) {
    this.#env = env;
  }

  /** The current immutable state. Same object until something changes. */
  getSnapshot = (): TextStreamSnapshot => this.#snapshot;

  /** Calls `listener` after every state change. Returns the unsubscribe function. */
  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** Starts a new generation: aborts a running one and clears the text. */
  start(url: string, options: TextStreamOptions = {}): void {
    this.#teardown();
    this.#received = '';
    this.#shown = 0;
    this.#onFinish = options.onFinish;
    this.#frames = this.#env.frames ?? defaultFrames();
    const reduced = (this.#env.reducedMotion ?? prefersReducedMotion)();
    this.#pace = reduced ? false : (options.pace ?? DEFAULT_PACE);

    const select = options.select ?? selectToken;
    const sentinel = options.done === undefined ? '[DONE]' : options.done;
    const resume = options.resume ?? false;

    let live = true;
    // Resume only a stream that can be resumed (it sent ids) and only after a break: a clean
    // end is the end, and retrying a request that never produced an id would run it again.
    const retryOn = (error: SSEError): boolean =>
      error.code !== 'stream-ended' && shouldRetry(error) && conn.getSnapshot().lastEventId !== '';
    const conn: Connection = new Connection(url, {
      method: options.method ?? 'POST',
      headers: options.headers,
      body: options.body,
      credentials: options.credentials,
      fetch: options.fetch,
      transport: 'fetch',
      reconnect: resume === false ? false : resume === true ? RESUME_POLICY : resume,
      retryOn,
    });

    const offMessage = conn.addEventListener(ANY_EVENT, (message) => {
      if (!live) return;
      if (sentinel !== false && message.data.trim() === sentinel) {
        this.#finish('done', null);
        return;
      }
      let token: string | null | undefined;
      try {
        token = select(message);
      } catch (cause) {
        this.#finish(
          'error',
          new SSEError('parse', 'The select function failed', { code: 'select', cause }),
        );
        return;
      }
      if (token) this.#push(token);
    });
    const offError = conn.onError((error) => {
      if (!live) return;
      if (error.willRetry) this.#publish({ error });
      else if (error.code === 'stream-ended') this.#finish('done', null);
      else this.#finish('error', error);
    });
    const offOpen = conn.onOpen(() => {
      if (live && this.#snapshot.error) this.#publish({ error: null });
    });

    this.#detach = () => {
      live = false;
      offMessage();
      offError();
      offOpen();
      conn.close();
    };
    this.#publish({ text: '', status: 'streaming', error: null });
    conn.open();
  }

  /** Aborts the running generation (the request is cancelled) and keeps the text received so far. */
  stop(): void {
    if (this.#snapshot.status === 'streaming') this.#finish('stopped', null);
  }

  /** Aborts any running generation and clears the text: back to `idle`. */
  reset(): void {
    this.#teardown();
    this.#received = '';
    this.#shown = 0;
    this.#publish(IDLE);
  }

  #teardown(): void {
    this.#detach?.();
    this.#detach = null;
    this.#cancelFrame();
  }

  #finish(status: 'done' | 'stopped' | 'error', error: SSEError | null): void {
    this.#teardown();
    this.#shown = this.#received.length;
    this.#publish({ text: this.#received, status, error });
    const onFinish = this.#onFinish;
    this.#onFinish = undefined;
    onFinish?.(this.#snapshot);
  }

  #push(token: string): void {
    this.#received += token;
    if (!this.#framePending && this.#frames) {
      this.#framePending = true;
      this.#frameHandle = this.#frames.request(this.#tick);
    }
  }

  readonly #tick = (): void => {
    this.#framePending = false;
    this.#frameHandle = undefined;
    const total = this.#received.length;
    const backlog = total - this.#shown;
    if (backlog <= 0 || this.#detach === null) return;
    let shown = this.#shown + (this.#pace === false ? backlog : revealCount(backlog, this.#pace));
    // Never cut a surrogate pair in half.
    if (shown < total && isHighSurrogate(this.#received.charCodeAt(shown - 1))) shown++;
    this.#shown = shown;
    this.#publish({ text: this.#received.slice(0, shown) });
    if (shown < total && this.#frames) {
      this.#framePending = true;
      this.#frameHandle = this.#frames.request(this.#tick);
    }
  };

  #cancelFrame(): void {
    if (this.#framePending) this.#frames?.cancel(this.#frameHandle);
    this.#framePending = false;
    this.#frameHandle = undefined;
  }

  #publish(patch: Partial<TextStreamSnapshot>): void {
    this.#snapshot = { ...this.#snapshot, ...patch };
    for (const listener of this.#listeners) listener();
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function defaultFrames(): FrameScheduler {
  if (typeof globalThis.requestAnimationFrame === 'function') {
    return {
      request: (callback) => globalThis.requestAnimationFrame(callback),
      cancel: (handle) => globalThis.cancelAnimationFrame(handle as number),
    };
  }
  return {
    request: (callback) => setTimeout(callback, 16),
    cancel: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
}

function prefersReducedMotion(): boolean {
  const host = globalThis as { matchMedia?: (query: string) => { matches: boolean } | undefined };
  if (typeof host.matchMedia !== 'function') return false;
  try {
    return host.matchMedia('(prefers-reduced-motion: reduce)')?.matches === true;
  } catch {
    return false;
  }
}
