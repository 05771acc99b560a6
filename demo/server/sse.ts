import type { IncomingMessage, ServerResponse } from 'node:http';
import { createSession, EventBuffer, type Session } from 'better-sse';

/** Headers every stream of the demo sends (better-sse adds Connection and Pragma). */
export const STREAM_HEADERS = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache',
  'X-Accel-Buffering': 'no',
} as const;

export interface OpenStreamOptions {
  /** `retry:` hint in ms sent first; null sends none. */
  retry: number | null;
  headers?: Record<string, string>;
}

/** Strings go out as they are (`[DONE]`), everything else as JSON. */
export const serializer = (data: unknown): string =>
  typeof data === 'string' ? data : JSON.stringify(data);

export function createBuffer(): EventBuffer {
  return new EventBuffer({ serializer });
}

/**
 * Opens a better-sse session on a Node request. Keep-alive is left to the app (one shared timer for
 * all streams), so a session owns no timer of its own.
 *
 * Resolves with null when the client went away before the head was sent: better-sse would still
 * report such a session as connected, and registering it would leak it.
 */
export async function openStream(
  req: IncomingMessage,
  res: ServerResponse,
  options: OpenStreamOptions,
): Promise<Session | null> {
  const session = await createSession(req, res, {
    retry: options.retry,
    keepAlive: null,
    serializer,
    trustClientEventId: false,
    headers: { ...STREAM_HEADERS, ...options.headers },
  });
  if (session.getRequest().signal.aborted || res.destroyed || res.writableEnded) {
    return null;
  }
  return session;
}

/** Writes raw SSE text (already framed) to a session's response. */
export function writeBuffer(session: Session, buffer: EventBuffer): void {
  if (!session.isConnected) return;
  void session.batch(buffer);
}
