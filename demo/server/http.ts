import type { IncomingMessage, ServerResponse } from 'node:http';

/** Reading a request body failed in a way the client should hear about as a 400. */
export class BodyError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** Past this many bytes the connection is dropped instead of drained. */
const HARD_LIMIT = 1024 * 1024;

/**
 * Reads the whole request body as UTF-8, up to `limit` bytes. A larger body is drained (so the
 * client, still uploading, gets to read the 400 instead of a reset) and rejected with a BodyError;
 * a body beyond 1 MB drops the connection.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > HARD_LIMIT) {
        cleanup();
        req.destroy();
        reject(new BodyError(`request body over ${limit} bytes`));
        return;
      }
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      if (tooLarge) reject(new BodyError(`request body over ${limit} bytes`));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onClose = () => {
      cleanup();
      reject(new BodyError('request closed before its body ended'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** Parses a JSON body, turning syntax errors into a BodyError. */
export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const text = await readBody(req, limit);
  if (text.trim() === '') throw new BodyError('request body is empty; expected JSON');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BodyError('request body is not valid JSON');
  }
}

/**
 * Reads a JSON body and validates it with `parse`. On a bad body (too big, not JSON, or refused
 * by `parse`) it answers with the error itself and returns undefined.
 */
export async function readValidJson<T extends object>(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
  parse: (body: unknown) => T | { error: string },
): Promise<T | undefined> {
  let body: unknown;
  try {
    body = await readJson(req, limit);
  } catch (error) {
    if (!(error instanceof BodyError)) throw error;
    sendError(res, error.status, error.message);
    return undefined;
  }
  const request = parse(body);
  if ('error' in request) {
    sendError(res, 400, request.error);
    return undefined;
  }
  return request;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: message }, headers);
}

/** The first value of a request header, trimmed; '' when absent. */
export function headerValue(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? '';
}

/**
 * The event ID a client resumes from: the `Last-Event-ID` header, else the `lastEventId` query
 * parameter, which sse-hooks sends instead on a cross-origin GET that would otherwise need no
 * CORS preflight (and a fresh native EventSource can only send).
 */
export function lastEventIdOf(req: IncomingMessage): string {
  const header = headerValue(req.headers['last-event-id']);
  if (header) return header;
  return (new URL(req.url ?? '/', 'http://localhost').searchParams.get('lastEventId') ?? '').trim();
}
