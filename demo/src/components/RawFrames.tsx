import { useEffect, useState, useSyncExternalStore } from 'react';

/** One chunk of a stream as it arrived: its text and its time. */
export interface RawChunk {
  readonly key: number;
  /** Milliseconds since the page loaded (`performance.now()`). */
  readonly at: number;
  readonly text: string;
}

const CAP = 200;
/** The most characters of one chunk shown: a 1 MB event must not freeze the page. */
const SHOW = 2000;

/**
 * Records every chunk of every stream opened through its `fetch`, which the inspector passes as
 * the hooks' `fetch` option: the response body is split in two, one half for the library, one
 * for this view. Listeners are told at most once a frame.
 */
export class FrameRecorder {
  chunks: readonly RawChunk[] = [];
  #listeners = new Set<() => void>();
  #key = 0;
  #scheduled = false;

  readonly fetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (!response.body) return response;
    const [mine, theirs] = response.body.tee();
    void this.#read(mine, init?.signal ?? undefined);
    return new Response(theirs, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };

  subscribe = (listener: () => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  clear() {
    this.chunks = [];
    this.#notify();
  }

  async #read(stream: ReadableStream<Uint8Array>, signal: AbortSignal | undefined) {
    const reader = stream.getReader();
    // The library cancels its half when it gives the attempt up; this half must follow, or the
    // request would stay open.
    signal?.addEventListener('abort', () => void reader.cancel().catch(() => {}), { once: true });
    const decoder = new TextDecoder();
    try {
      for (let read; !(read = await reader.read()).done;) {
        const text = decoder.decode(read.value, { stream: true });
        const next = [...this.chunks, { key: this.#key++, at: performance.now(), text }];
        this.chunks = next.length > CAP ? next.slice(next.length - CAP) : next;
        this.#notify();
      }
    } catch {
      // The stream broke or was cancelled: the library reports it.
    }
  }

  #notify() {
    if (this.#scheduled) return;
    this.#scheduled = true;
    requestAnimationFrame(() => {
      this.#scheduled = false;
      this.#listeners.forEach((l) => l());
    });
  }
}

/** The lines of a chunk (cut for display); the text after its last line end is not a line. */
function linesOf(text: string): string[] {
  const lines = (text.length > SHOW ? `${text.slice(0, SHOW)}…` : text).split(/\r\n|\r|\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** A line of the stream split into its field and value, as the spec reads it. */
function Line({ line }: { line: string }) {
  if (line === '') return <div className="raw-line raw-blank">(blank line: dispatch)</div>;
  const colon = line.indexOf(':');
  if (colon === 0) return <div className="raw-line raw-comment">{line}</div>;
  const field = colon < 0 ? line : line.slice(0, colon);
  const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
  return (
    <div className="raw-line">
      <span className="raw-field">{field}</span> <span className="raw-value">{value}</span>
    </div>
  );
}

/** The raw frames as received, chunk by chunk and field by field, newest last. */
export function RawFrames({ recorder }: { recorder: FrameRecorder }) {
  const chunks = useSyncExternalStore(recorder.subscribe, () => recorder.chunks);
  const [box, setBox] = useState<HTMLElement | null>(null);
  useEffect(() => {
    if (box) box.scrollTop = box.scrollHeight;
  }, [box, chunks]);
  return (
    <div className="raw-frames" ref={setBox} data-testid="raw-frames" aria-label="Raw frames">
      {chunks.map((chunk) => (
        <div className="raw-chunk" key={chunk.key}>
          <div className="raw-time">
            +{(chunk.at / 1000).toFixed(3)} s · {chunk.text.length} chars
          </div>
          {linesOf(chunk.text).map((line, i) => (
            <Line key={i} line={line} />
          ))}
        </div>
      ))}
    </div>
  );
}
