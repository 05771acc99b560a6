import { memo, useMemo } from 'react';
import DOMPurify from 'dompurify';
import { Marked } from 'marked';
import { splitBlocks } from 'sse-hooks/chat';

const markdown = new Marked({ gfm: true, async: false });

/** Markdown source to sanitised HTML: model output is untrusted, so no raw HTML gets through. */
export function renderMarkdown(source: string): string {
  return DOMPurify.sanitize(markdown.parse(source, { async: false }));
}

/**
 * One block of a reply. Memoised on its source: while a reply streams only the last block
 * changes, so only that one is parsed again.
 */
export const MarkdownBlock = memo(function MarkdownBlock({ source }: { source: string }) {
  const html = useMemo(() => renderMarkdown(source), [source]);
  return <div className="md-block" dangerouslySetInnerHTML={{ __html: html }} />;
});

/** A finished text (an earlier answer), rendered block by block as a streamed one is. */
export function Markdown({ text }: { text: string }) {
  const blocks = useMemo(() => splitBlocks(text), [text]);
  return (
    <>
      {blocks.map((block, i) => (
        <MarkdownBlock key={i} source={block} />
      ))}
    </>
  );
}
