/**
 * Token streams (LLM chat replies): one POST per generation, tokens extracted from each event,
 * revealed at the pace they arrive (see {@link TextReveal}) with at most one published change per
 * animation frame, as text and as Markdown blocks.
 *
 * No React here: the React hook is a thin adapter over {@link TextStream}.
 */
import type { BodyOption } from './types.js';
import type { SSEError } from './errors.js';
import { frames, monotonicNow, prefersReducedMotion, type FrameScheduler } from './frame.js';
import { readReply, sessionReplyStorage, writeReply, type ReplyStorage } from './replyStorage.js';
import { requestReply, type ReplyHost } from './requestReply.js';
import { Subscribable } from './subscribable.js';
import { BlockSplitter } from './textBlocks.js';
import { TextReveal } from './textReveal.js';
import type {
  TextStreamEnvironment,
  TextStreamOptions,
  TextStreamSnapshot,
} from './textStreamOptions.js';

export type { FrameScheduler } from './frame.js';
export type { ReplyStorage } from './replyStorage.js';
export { selectToken } from './selectToken.js';
export type {
  TextStreamEnvironment,
  TextStreamOptions,
  TextStreamSnapshot,
  TextStreamStatus,
} from './textStreamOptions.js';

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
export class TextStream extends Subscribable {
  #snapshot: TextStreamSnapshot = IDLE;
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

  readonly #host: ReplyHost;

  constructor(env: TextStreamEnvironment = {}) {
    super();
    this.#env = env;
    const now = (this.#now = env.now ?? monotonicNow);
    this.#host = {
      now,
      storage: () => this.#storage(),
      token: () => this.#requestFrame(),
      retrying: (error) => {
        if (error || this.#snapshot.error) this.#publish({ error });
      },
      finish: (status, error) => this.#finish(status, error),
      restore: (options) => {
        this.#teardown();
        this.resumeStored(options);
      },
    };
  }

  /** The current immutable state. Same object until something changes. */
  getSnapshot = (): TextStreamSnapshot => this.#snapshot;

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
    this.#frames = this.#env.frames ?? frames;
    const reduced = (this.#env.reducedMotion ?? prefersReducedMotion)();
    const reveal = (this.#reveal = new TextReveal({
      pace: !reduced && options.pace !== false,
      maxLag: options.maxLag,
    }));
    this.#blocks.reset();
    if (restored) reveal.restore(restored);
    this.#resumeKey = options.resumeKey;
    const resumeUrl = restored === undefined ? (options.resumeUrl ?? url) : url;
    const request = requestReply(
      this.#host,
      reveal,
      url,
      options,
      method,
      body,
      lastEventId,
      resumeUrl,
    );
    this.#detach = request.detach;
    this.#save = request.save;
    const text = reveal.shownText;
    this.#publish({
      text,
      blocks: this.#blocks.update(text, false),
      status: 'streaming',
      error: null,
    });
    // A resume made from a mount effect: React's development double mount tears it down at
    // once, before this runs, so it sends no request for nothing.
    if (restored === undefined) request.open();
    else queueMicrotask(request.open);
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
    this.notify();
  }
}

function noop(): void {}
