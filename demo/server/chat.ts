import { createHash } from 'node:crypto';

/**
 * The typewriter chat's canned answers and the OpenAI-style chunk format they are streamed in.
 * The answer depends only on the last user message, so a resumed request (same messages plus a
 * Last-Event-ID) continues the very same text.
 */

export const CHAT_BODY_LIMIT = 64 * 1024;
export const CHAT_MODEL = 'sse-hooks-demo';

export interface ChatMessage {
  role: string;
  content: string;
}

const MAX_MESSAGES = 200;

export function parseChatRequest(body: unknown): { messages: ChatMessage[] } | { error: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { error: 'body must be a JSON object: { "messages": [{ "role", "content" }] }' };
  }
  const { messages } = body as Record<string, unknown>;
  if (!Array.isArray(messages) || messages.length === 0) {
    return { error: '"messages" must be a non-empty array' };
  }
  if (messages.length > MAX_MESSAGES) {
    return { error: `"messages" holds ${messages.length} entries; the limit is ${MAX_MESSAGES}` };
  }
  for (const [i, m] of messages.entries()) {
    const entry = m as Partial<ChatMessage> | null;
    if (
      typeof entry !== 'object' ||
      entry === null ||
      typeof entry.role !== 'string' ||
      typeof entry.content !== 'string'
    ) {
      return { error: `messages[${i}] must be { "role": string, "content": string }` };
    }
  }
  return { messages: messages as ChatMessage[] };
}

const ANSWERS: { topic: string; match: RegExp; text: string }[] = [
  {
    topic: 'reconnect',
    match: /reconnect|retry|resume|last-?event-?id|lost|drop|offline|重连|断线/i,
    text: [
      'Reconnection is built into Server-Sent Events. When the connection drops, the browser waits for the reconnection delay and opens the stream again on its own. The server can tune that delay by sending a `retry:` field, in milliseconds, at any point in the stream.',
      'To resume without losing events, give every event an `id:`. The client remembers the last id it saw and sends it back in the `Last-Event-ID` request header when it reconnects. The server then replays the events that came after that id, and only then continues with live ones, so nothing is missed and nothing arrives twice.',
      'A robust client adds a few things the browser does not: exponential backoff with jitter so a restarted server is not flooded, a stall watchdog that notices when even heartbeat comments stop arriving, and a clear difference between temporary failures, which are retried, and permanent ones such as a 401 or a wrong Content-Type, which are not.',
    ].join('\n\n'),
  },
  {
    topic: 'websocket',
    match: /websocket|socket|compare|versus|\bvs\b|difference|区别/i,
    text: [
      'Server-Sent Events and WebSockets both keep a connection open so the server can push data, but they make different trade-offs. SSE is one-way, from server to client, and runs over plain HTTP, so it passes through proxies, load balancers and HTTP/2 multiplexing without special handling.',
      'SSE carries UTF-8 text only, and it comes with event names, ids and automatic reconnection as part of the standard. WebSockets are full duplex and can carry binary frames, but reconnection, resumption and message typing are left to you.',
      'When the client mostly listens, as with notifications, dashboards, feeds or streamed model output, SSE is usually the simpler choice: the client sends its occasional requests as ordinary HTTP calls and reads everything else from one stream.',
    ].join('\n\n'),
  },
  {
    topic: 'headers',
    match: /header|nginx|proxy|buffer|cache|php|backend|content-?type|服务端|缓存/i,
    text: [
      'A Server-Sent Events endpoint is an ordinary HTTP response that never finishes. It must answer with `Content-Type: text/event-stream`, should send `Cache-Control: no-cache`, and keeps the connection open while it writes events.',
      'Every write has to reach the client at once. Behind nginx, send `X-Accel-Buffering: no` so the proxy does not hold the stream back; in PHP, clear the output buffers and flush after each event. Compression middleware can buffer too, so leave event streams uncompressed or flush explicitly.',
      'Idle connections are closed by proxies after a while, so the server sends a comment line such as `: ping` every fifteen seconds or so. Clients ignore comments, but the bytes keep the connection alive and show a watchdog that the stream is healthy. Finally, stop the work for a client as soon as it disconnects: clear its timers and remove it from every broadcast list.',
    ].join('\n\n'),
  },
  {
    topic: 'overview',
    match: /./,
    text: [
      'Server-Sent Events let a server push a stream of text events to the browser over a single, long-lived HTTP response. The client opens it with `new EventSource(url)` and receives each event as a message, or as a named event when the server sets an `event:` field.',
      'The wire format is deliberately simple. Each event is a few lines such as `id: 42`, `event: update` and `data: {"value":1}`, followed by a blank line. Several `data:` lines are joined with newlines, lines starting with a colon are comments, and a `retry:` line tells the client how long to wait before reconnecting.',
      'This answer itself is being streamed that way. Each token arrives as a `data:` line holding a JSON chunk, and a final `data: [DONE]` marks the end, which is how chat APIs deliver a reply word by word. A good client renders those tokens smoothly, stops as soon as you press stop, and can resume from the last event id if the connection drops.',
    ].join('\n\n'),
  },
];

/** The canned answer for a conversation, chosen by keywords of the last user message. */
export function answerFor(messages: ChatMessage[]): { topic: string; text: string } {
  const lastUser = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  const answer = ANSWERS.find((a) => a.match.test(lastUser)) ?? ANSWERS[ANSWERS.length - 1]!;
  return { topic: answer.topic, text: answer.text };
}

/** Splits text into word-sized tokens, each carrying its leading whitespace; joins back exactly. */
export function tokenize(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

/** A stable completion id for a conversation, so a resumed stream reports the same id. */
export function completionId(messages: ChatMessage[]): string {
  const hash = createHash('sha256').update(JSON.stringify(messages)).digest('hex');
  return `chatcmpl-${hash.slice(0, 24)}`;
}

export interface ChunkInfo {
  id: string;
  created: number;
  index: number;
  total: number;
}

/** One `chat.completion.chunk`; the first says the role, the last gives `finish_reason`. */
export function chunk(token: string, info: ChunkInfo): Record<string, unknown> {
  const delta: Record<string, string> =
    info.index === 0 ? { role: 'assistant', content: token } : { content: token };
  return {
    id: info.id,
    object: 'chat.completion.chunk',
    created: info.created,
    model: CHAT_MODEL,
    choices: [{ index: 0, delta, finish_reason: info.index === info.total - 1 ? 'stop' : null }],
  };
}
