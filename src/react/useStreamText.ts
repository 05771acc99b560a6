import { useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { BodyOption } from '../core/types.js';
import type { SSEError } from '../core/errors.js';
import {
  TextStream,
  type TextStreamEnvironment,
  type TextStreamOptions,
  type TextStreamStatus,
} from '../core/textStream.js';

/** Options of {@link useStreamText}. Read when `start()` is called, so they may change freely. */
export interface UseStreamTextOptions extends TextStreamOptions {
  /** Frame scheduling and reduced-motion detection, for tests and non-browser hosts. */
  environment?: TextStreamEnvironment;
}

/** What {@link useStreamText} returns. The functions keep their identity across renders. */
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

// Layout effects do nothing on the server (and React 18 warns there); effects are enough there.
const useIsomorphicLayoutEffect = typeof document !== 'undefined' ? useLayoutEffect : useEffect;

/**
 * Streams a chat reply: POSTs `body` with `headers` to `url`, reads the SSE reply, extracts each
 * token with `select` (OpenAI-style chunks by default), and ends at the `[DONE]` sentinel or at
 * the end of the stream. Text is revealed at the pace tokens arrive, word by word (per character
 * in Chinese or Japanese), never cut inside a character and never more than `maxLag` (400 ms)
 * behind, with at most one render per animation frame; `stop()`, the end and errors show
 * everything at once. With `pace: false` or `prefers-reduced-motion` text shows as it arrives.
 *
 * Nothing is requested until `start()`, and nothing is requested again by itself: not on
 * re-render, not when the tab is hidden or shown again. A broken stream is reported as an error
 * unless `resume` is set, in which case it is requested again with `Last-Event-ID`. Unmounting
 * aborts the request. With `resumeKey`, a reply still streaming when the page reloads continues
 * on mount (`GET` with `Last-Event-ID`, the prompt is not sent again) without retyping its text.
 *
 * @example
 * ```tsx
 * // Parses one block; memo skips the blocks that did not change.
 * const MarkdownBlock = memo(({ source }: { source: string }) => (
 *   <div dangerouslySetInnerHTML={{ __html: DOMPurify.sanitize(marked.parse(source, { async: false })) }} />
 * ));
 *
 * function Chat({ token }: { token: string }) {
 *   const [prompt, setPrompt] = useState('');
 *   const { blocks, status, error, start, stop } = useStreamText('/api/chat', {
 *     headers: { Authorization: `Bearer ${token}` },
 *     resumeKey: 'chat',
 *   });
 *   return (
 *     <form onSubmit={(e) => { e.preventDefault(); start({ messages: [{ role: 'user', content: prompt }] }); }}>
 *       <input value={prompt} onChange={(e) => setPrompt(e.target.value)} />
 *       {status === 'streaming' ? <button type="button" onClick={stop}>Stop</button> : <button>Send</button>}
 *       {blocks.map((block, i) => <MarkdownBlock key={i} source={block} />)}
 *       {error && <p role="alert">{error.message}</p>}
 *     </form>
 *   );
 * }
 * ```
 */
export function useStreamText(
  url: string,
  options: UseStreamTextOptions = {},
): UseStreamTextResult {
  const latest = useRef({ url, options });
  useIsomorphicLayoutEffect(() => {
    latest.current = { url, options };
  });
  const [{ stream, actions, current }] = useState(() => {
    const stream = new TextStream(options.environment);
    // Read when called: the caller's latest URL and options apply, and its latest `onFinish`,
    // not the one of the render that started the stream.
    const current = (): TextStreamOptions => {
      const { url, options } = latest.current;
      return {
        ...options,
        resumeUrl: options.resumeUrl ?? url,
        onFinish: (result) => latest.current.options.onFinish?.(result),
      };
    };
    const actions = {
      start: (body?: BodyOption) => {
        const options = current();
        if (body !== undefined) options.body = body;
        stream.start(latest.current.url, options);
      },
      stop: () => stream.stop(),
      reset: () => stream.reset(),
    };
    return { stream, actions, current };
  });
  // A reply kept with `resumeKey` (the page was reloaded mid-reply) continues before the first
  // paint. Unmounting aborts the request; with `resumeKey` the reply stays stored, so mounting
  // again continues it. The stream object stays usable if the component mounts again.
  useIsomorphicLayoutEffect(() => {
    stream.resumeStored(current());
    return () => stream.suspend();
  }, [stream, current]);

  const snapshot = useSyncExternalStore(stream.subscribe, stream.getSnapshot, stream.getSnapshot);
  return useMemo(() => ({ ...snapshot, ...actions }), [snapshot, actions]);
}
