import { useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { BodyOption } from '../core/types.js';
import { TextStream, type TextStreamOptions } from '../core/textStream.js';
import type { UseStreamTextOptions, UseStreamTextResult } from '../core/textStreamOptions.js';

export type { UseStreamTextOptions, UseStreamTextResult } from '../core/textStreamOptions.js';

// Layout effects do nothing on the server (and React 18 warns there); effects are enough there.
const useIsomorphicLayoutEffect = typeof document !== 'undefined' ? useLayoutEffect : useEffect;

/**
 * Streams a chat reply: POSTs `body` with `headers` to `url`, extracts each token with `select`
 * (OpenAI-style chunks by default) until `[DONE]` or the end, and reveals the text at the pace
 * tokens arrive, never cut inside a character, never more than `maxLag` behind, at most one
 * render per frame. Nothing is requested until `start()`, nor ever again by itself; unmounting
 * aborts. With `resumeKey`, a reply cut by a reload continues on mount (see docs/chat.md).
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
