import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Session } from 'better-sse';
import { headerValue, lastEventIdOf, readValidJson, sendError } from './http.js';
import { createBuffer, openStream, writeBuffer } from './sse.js';

/**
 * The typewriter chat: canned answers streamed as OpenAI-style chunks, and the replies kept so a
 * client can come back to one (a reload mid-reply) with `GET /api/chat/stream` and
 * `Last-Event-ID`, without sending the prompt again.
 *
 * Every chunk's id is `<reply id>.<tokens so far>`: it names the reply and the place in it. A
 * reply generates while a client reads it and pauses while none does (the demo's stand-in for a
 * model that is billed per token); it is forgotten {@link REPLY_TTL_MS} after its last reader
 * left, and at most {@link MAX_REPLIES} are held, so memory stays bounded.
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
    topic: 'unicode',
    match: /中文|chinese|emoji|unicode|表情|汉字/i,
    text: [
      '## 流式输出与表情 🎉',
      '服务器发送事件（SSE）把模型的回答一个词一个词地推送到浏览器。每个 `data:` 行都是一段 JSON，最后用 `data: [DONE]` 结束。中文没有空格，所以打字机效果按字显示，而不是按词。',
      '模型的分词器按字节切分文本，一个汉字或一个表情常常被切成两半。好的客户端从不显示半个字符：',
      [
        '- 肤色：👍🏽 👋🏿 🙌🏻',
        '- 家庭（零宽连接符）：👨‍👩‍👧‍👦 👩‍💻 🧑🏾‍🚀',
        '- 国旗：🇨🇳 🇯🇵 🇫🇷 🇧🇷',
        '- 组合重音：café, naïve, Ångström, ṩ',
      ].join('\n'),
      '```text\ndata: {"choices":[{"delta":{"content":"你好 👋"}}]}\n\ndata: [DONE]\n```',
      '如果连接在回答中途断开，客户端带着 `Last-Event-ID` 重新请求，服务器从那里继续：不会重复，也不会丢字。✅',
    ].join('\n\n'),
  },
  {
    topic: 'reconnect',
    match: /reconnect|retry|resume|last-?event-?id|lost|drop|offline|重连|断线/i,
    text: [
      '## Reconnecting without losing events',
      'Reconnection is built into Server-Sent Events. When the connection drops, the browser waits for the reconnection delay and opens the stream again on its own. The server can tune that delay by sending a `retry:` field, in milliseconds, at any point in the stream.',
      'To resume without losing events, give every event an `id:`. The client remembers the last id it saw and sends it back in the `Last-Event-ID` request header when it reconnects:',
      '```http\nGET /api/events HTTP/1.1\nAccept: text/event-stream\nLast-Event-ID: 42\n```',
      'The server then replays the events that came after that id, and only then continues with live ones, so nothing is missed and nothing arrives twice.',
      'A robust client adds a few things the browser does not:',
      [
        '1. **Exponential backoff with jitter**, so a restarted server is not flooded.',
        '2. **A stall watchdog** that notices when even heartbeat comments stop arriving.',
        '3. **A clear split between failures**: temporary ones are retried, permanent ones such as a `401` or a wrong `Content-Type` are not.',
      ].join('\n'),
    ].join('\n\n'),
  },
  {
    topic: 'websocket',
    match: /websocket|socket|compare|versus|\bvs\b|difference|区别/i,
    text: [
      '## SSE or WebSockets?',
      'Server-Sent Events and WebSockets both keep a connection open so the server can push data, but they make different trade-offs. SSE is one-way, from server to client, and runs over plain HTTP, so it passes through proxies, load balancers and HTTP/2 multiplexing without special handling.',
      [
        '- **SSE** carries UTF-8 text only, with event names, ids and automatic reconnection in the standard.',
        '- **WebSockets** are full duplex and can carry binary frames, but reconnection, resumption and message typing are left to you.',
      ].join('\n'),
      'When the client mostly listens, as with notifications, dashboards, feeds or streamed model output, SSE is usually the simpler choice: the client sends its occasional requests as ordinary HTTP calls and reads everything else from one stream.',
    ].join('\n\n'),
  },
  {
    topic: 'headers',
    match: /header|nginx|proxy|buffer|cache|php|backend|content-?type|服务端|缓存/i,
    text: [
      '## Serving an event stream',
      'A Server-Sent Events endpoint is an ordinary HTTP response that never finishes. It must answer with `Content-Type: text/event-stream`, should send `Cache-Control: no-cache`, and keeps the connection open while it writes events.',
      'Every write has to reach the client at once. Behind nginx, turn buffering off for the stream:',
      '```nginx\nlocation /api/events {\n    proxy_buffering off;\n    proxy_read_timeout 1h;\n}\n```',
      'In PHP, clear the output buffers and flush after each event. Compression middleware can buffer too, so leave event streams uncompressed or flush explicitly.',
      [
        '- Send a comment line such as `: ping` every fifteen seconds, so proxies keep idle connections open.',
        '- Stop the work for a client as soon as it disconnects: clear its timers and remove it from every broadcast list.',
      ].join('\n'),
    ].join('\n\n'),
  },
  {
    topic: 'overview',
    match: /./,
    text: [
      '## Server-Sent Events in short',
      'Server-Sent Events let a server push a stream of text events to the browser over a single, long-lived HTTP response. The client opens it with `new EventSource(url)` and receives each event as a message, or as a named event when the server sets an `event:` field.',
      'The wire format is deliberately simple. Each event is a few lines followed by a blank line:',
      '```text\nid: 42\nevent: update\ndata: {"value":1}\n```',
      [
        '- Several `data:` lines are joined with newlines.',
        '- Lines starting with a colon are comments.',
        '- A `retry:` line tells the client how long to wait before reconnecting.',
      ].join('\n'),
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

/**
 * Splits text into tokens that join back exactly: word-sized for ASCII, each carrying its leading
 * whitespace; anything else in pieces of 1 to 3 UTF-16 code units, as a byte-level model
 * tokenizer cuts it: inside surrogate pairs, flags, joined emoji and accented letters.
 */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let piece = 0;
  for (const word of text.match(/\s*\S+|\s+$/g) ?? []) {
    if (!/[^ -~\s]/.test(word)) {
      tokens.push(word);
      continue;
    }
    for (let i = 0; i < word.length;) {
      const size = 1 + (piece++ % 3);
      tokens.push(word.slice(i, i + size));
      i += size;
    }
  }
  return tokens;
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

// ---- replies ---------------------------------------------------------------------------------

/** A reply nobody reads is forgotten this long after its last reader left. */
export const REPLY_TTL_MS = 10 * 60_000;
/** The most replies held at once; the least recently read goes first. */
export const MAX_REPLIES = 256;

interface Reader {
  session: Session;
  res: ServerResponse;
}

interface Reply {
  id: string;
  topic: string;
  tokens: string[];
  info: { id: string; created: number };
  /** Tokens generated (and so sent, to some reader) so far. */
  produced: number;
  finished: boolean;
  reader: Reader | null;
  timer: NodeJS.Timeout | undefined;
  touchedAt: number;
}

export interface ChatStats {
  /** POST /api/chat requests (prompts sent). */
  requests: number;
  unauthorized: number;
  rejected: number;
  completed: number;
  /** Streams the client closed before [DONE]; the reply pauses until someone resumes it. */
  aborted: number;
  /** Streams that continued a reply after a Last-Event-ID (POST or GET). */
  resumed: number;
  /** GET /api/chat/stream requests whose Last-Event-ID names no reply held. */
  resumeMissed: number;
  tokensSent: number;
  /** Replies held for resuming. */
  replies: number;
}

export interface ChatServiceOptions {
  /** Bearer token both routes require. */
  token: string;
  /** Delay between token bursts, in ms. */
  delayMs: number;
  /** Largest number of tokens written at once (each burst takes 1..burst). */
  burst: number;
  /** Registers an open stream with the app (stats, shutdown); `release` runs on disconnect. */
  track(session: Session, res: ServerResponse, release: () => void): void;
  later(ms: number, fn: () => void): NodeJS.Timeout;
  stop(timer: NodeJS.Timeout | undefined): void;
  closing(): boolean;
}

export interface ChatService {
  /** POST /api/chat: a new reply to `messages` (or, with a Last-Event-ID, the rest of one). */
  handlePost(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** GET /api/chat/stream: the rest of the reply named by Last-Event-ID; the prompt is not needed. */
  handleResume(req: IncomingMessage, res: ServerResponse): Promise<void>;
  stats(): ChatStats;
}

/** `<reply id>.<n>` -> the reply id and n; a bare number (older clients) gives only n. */
export function parseChunkId(id: string): { reply: string | null; index: number } | null {
  const match = /^(?:([0-9a-f]{16})\.)?(\d{1,9})$/.exec(id);
  if (!match) return null;
  return { reply: match[1] ?? null, index: Number(match[2]) };
}

export function createChatService(options: ChatServiceOptions): ChatService {
  const replies = new Map<string, Reply>();
  const counts = {
    requests: 0,
    unauthorized: 0,
    rejected: 0,
    completed: 0,
    aborted: 0,
    resumed: 0,
    resumeMissed: 0,
    tokensSent: 0,
  };

  function authorized(req: IncomingMessage, res: ServerResponse): boolean {
    const auth = headerValue(req.headers.authorization);
    if (auth === `Bearer ${options.token}`) return true;
    counts.unauthorized += 1;
    req.resume();
    sendError(
      res,
      401,
      auth === '' ? 'missing "Authorization: Bearer <token>" header' : 'invalid bearer token',
      { 'WWW-Authenticate': 'Bearer realm="sse-hooks demo"' },
    );
    return false;
  }

  /** Forgets replies nobody came back to, and the oldest beyond the cap. */
  function sweep(now: number): void {
    for (const [id, reply] of replies) {
      if (reply.reader === null && now - reply.touchedAt > REPLY_TTL_MS) replies.delete(id);
    }
    if (replies.size < MAX_REPLIES) return;
    const idle = [...replies.values()]
      .filter((r) => r.reader === null)
      .sort((a, b) => a.touchedAt - b.touchedAt);
    for (const reply of idle.slice(0, replies.size - MAX_REPLIES + 1)) replies.delete(reply.id);
  }

  function createReply(messages: ChatMessage[], from: number): Reply {
    const now = Date.now();
    sweep(now);
    const answer = answerFor(messages);
    const tokens = tokenize(answer.text);
    const reply: Reply = {
      id: randomBytes(8).toString('hex'),
      topic: answer.topic,
      tokens,
      info: { id: completionId(messages), created: Math.floor(now / 1000) },
      produced: Math.min(from, tokens.length),
      finished: false,
      reader: null,
      timer: undefined,
      touchedAt: now,
    };
    replies.set(reply.id, reply);
    return reply;
  }

  function event(reply: Reply, index: number, buffer: ReturnType<typeof createBuffer>): void {
    const data = chunk(reply.tokens[index]!, { ...reply.info, index, total: reply.tokens.length });
    buffer
      .id(`${reply.id}.${index + 1}`)
      .data(data)
      .dispatch();
  }

  function step(reply: Reply): void {
    reply.timer = undefined;
    const reader = reply.reader;
    if (!reader || !reader.session.isConnected) return;
    const buffer = createBuffer();
    const burst = Math.min(
      reply.tokens.length - reply.produced,
      1 + Math.floor(Math.random() * options.burst),
    );
    for (let i = 0; i < burst; i++) event(reply, reply.produced++, buffer);
    counts.tokensSent += burst;
    if (reply.produced >= reply.tokens.length) {
      buffer.data('[DONE]').dispatch();
      reply.finished = true;
      counts.completed += 1;
    }
    writeBuffer(reader.session, buffer);
    if (reply.finished) reader.res.end();
    else reply.timer = options.later(options.delayMs, () => step(reply));
  }

  /** Streams `reply` to this response: what came after `from` first, then the rest live. */
  async function attach(
    req: IncomingMessage,
    res: ServerResponse,
    reply: Reply,
    from: number,
  ): Promise<void> {
    const session = await openStream(req, res, {
      retry: null,
      headers: { 'X-Chat-Topic': reply.topic, 'X-Chat-Reply': reply.id },
    });
    if (!session) {
      counts.aborted += 1;
      return;
    }
    if (options.closing()) {
      res.end();
      return;
    }
    // One reader per reply: a reload's new request may arrive before the old one is seen closed.
    // The old request is cut, not ended: a client still reading it (a duplicated tab) must not
    // take a partial reply for a finished one.
    if (reply.reader) reply.reader.res.destroy();
    const reader: Reader = { session, res };
    reply.reader = reader;
    reply.touchedAt = Date.now();
    const replay = createBuffer();
    for (let i = from; i < reply.produced; i++) event(reply, i, replay);
    if (reply.finished) replay.data('[DONE]').dispatch();
    if (replay.read() !== '') writeBuffer(session, replay);
    options.track(session, res, () => {
      if (reply.reader !== reader) return;
      reply.reader = null;
      reply.touchedAt = Date.now();
      options.stop(reply.timer);
      reply.timer = undefined;
      if (!reply.finished && !options.closing()) counts.aborted += 1;
    });
    if (reply.finished) res.end();
    else if (reply.timer === undefined) {
      reply.timer = options.later(options.delayMs, () => step(reply));
    }
  }

  /** The reply and place named by a Last-Event-ID, if this server holds it. */
  function find(lastEventId: string): { reply: Reply; from: number } | null {
    const parsed = parseChunkId(lastEventId);
    if (!parsed || parsed.reply === null) return null;
    const reply = replies.get(parsed.reply);
    if (!reply || parsed.index > reply.produced) return null;
    return { reply, from: parsed.index };
  }

  return {
    async handlePost(req, res) {
      counts.requests += 1;
      if (!authorized(req, res)) return;
      const request = await readValidJson(req, res, CHAT_BODY_LIMIT, parseChatRequest);
      if (!request) {
        counts.rejected += 1;
        return;
      }
      // With a Last-Event-ID (a client resuming in the same page): the same reply if it is held,
      // else the same answer regenerated from that place (the answer depends only on the messages).
      const lastEventId = lastEventIdOf(req);
      const held = lastEventId === '' ? null : find(lastEventId);
      if (held) {
        counts.resumed += 1;
        return attach(req, res, held.reply, held.from);
      }
      const parsed = lastEventId === '' ? null : parseChunkId(lastEventId);
      const reply = createReply(request.messages, parsed?.index ?? 0);
      if (parsed && reply.produced === parsed.index) counts.resumed += 1;
      return attach(req, res, reply, reply.produced);
    },

    async handleResume(req, res) {
      if (!authorized(req, res)) return;
      const lastEventId = lastEventIdOf(req);
      const held = find(lastEventId);
      if (!held) {
        counts.resumeMissed += 1;
        req.resume();
        sendError(
          res,
          404,
          lastEventId === ''
            ? 'GET /api/chat/stream needs the Last-Event-ID of the reply to continue'
            : `no reply held for Last-Event-ID ${JSON.stringify(lastEventId)} (finished long ago, or the server restarted)`,
        );
        return;
      }
      counts.resumed += 1;
      return attach(req, res, held.reply, held.from);
    },

    stats() {
      return { ...counts, replies: replies.size };
    },
  };
}
