// An in-process event-stream server for tests. It is reached through the `fetch` option of the
// library (or any fetch-based client), so it needs no network, no global and no polyfill: only the
// Fetch API types (`Response`, `ReadableStream`, `Headers`) that Node 18+, browsers, and the
// jsdom and happy-dom environments of Vitest all have. It uses no timer of its own, so fake timers
// never hold it back.

/** One event as {@link TestStream.send} frames it. */
export interface TestEvent {
  /** The `event:` field (omitted: the client sees a `message`). */
  event?: string;
  /**
   * The `data:` field. Strings are sent as they are (one `data:` line per line), anything else as
   * JSON. Omitted: no data line, so the block only sets `id` or `retry` and dispatches nothing.
   */
  data?: unknown;
  /** The `id:` field: the client's last event ID, sent back as `Last-Event-ID` on reconnect. */
  id?: string | number;
  /** The `retry:` field: the client's reconnection delay in ms. */
  retry?: number;
}

/** A request as the server received it. Header names are lower case. */
export interface TestRequest {
  /** The absolute URL. */
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The body as text, or null when there was none. */
  readonly body: string | null;
  /** The `Last-Event-ID` header, or null when the request had none. */
  readonly lastEventId: string | null;
}

/**
 * What happened to a request: `pending` (stalled, no answer yet), `open` (streaming), `ended`
 * (the server closed it cleanly), `dropped` (the server broke it: a network error), `aborted` (the
 * client went away), `failed` (answered with a status or body that is not a stream).
 */
export type TestConnectionState = 'pending' | 'open' | 'ended' | 'dropped' | 'aborted' | 'failed';

/** What a stream can be told to do: shared by a connection, a route and the whole server. */
export interface TestStream {
  /** Sends one event. On a route or server, to every connection it has open. */
  send(event: TestEvent): void;
  /** Sends a comment line (`: text`), which keeps a stream alive without dispatching anything. */
  comment(text?: string): void;
  /** Writes raw text or bytes, e.g. half an event or a UTF-8 sequence split in two. */
  write(chunk: string | Uint8Array): void;
  /** Ends the stream cleanly, as a server that finished its response. The client reconnects. */
  close(): void;
  /** Breaks the stream with a network error, as a lost connection. The client reconnects. */
  drop(): void;
}

/** One request to the server, and the stream it was answered with. */
export interface TestConnection extends TestStream, TestRequest {
  /** The request as received. */
  readonly request: TestRequest;
  readonly state: TestConnectionState;
  /** True while the stream is open. */
  readonly open: boolean;
  /** The HTTP status answered (0 while pending). */
  readonly status: number;
  /** Resolves once the connection is no longer open or pending (any reason). */
  readonly closed: Promise<TestConnectionState>;
}

/** Which requests a route serves: a path (`/chat`), a full URL, a RegExp, or a predicate. */
export type TestRouteMatcher = string | RegExp | ((url: URL, request: TestRequest) => boolean);

/**
 * A set of requests (the whole server, or one route) with the connections they made, and the
 * answers queued for the next ones.
 */
export interface TestRoute extends TestStream {
  /**
   * The next connection not yet handed out: each read of `connected` waits for (or returns) one
   * more stream that opened, in order. `await server.connected` after a render gives the first,
   * the next read gives the reconnect.
   */
  readonly connected: Promise<TestConnection>;
  /** Like `connected`, but for every request whatever its answer (failed and stalled ones too). */
  readonly requested: Promise<TestConnection>;
  /** Every request received, in order, with what happened to it. */
  readonly connections: readonly TestConnection[];
  /** The connections open now. */
  readonly open: readonly TestConnection[];
  /** The most recent request, or undefined before the first. */
  readonly last: TestConnection | undefined;
  /**
   * Answers the next request with `status` (and `headers`, `body`) instead of a stream. Each call
   * queues one answer, so `fail(503); fail(503)` fails the next two requests. A 200 with a
   * Content-Type other than `text/event-stream` tests a wrong content type.
   */
  fail(status: number, headers?: Record<string, string>, body?: string): void;
  /**
   * Leaves the next request unanswered: no status, no byte, until the client gives up (aborts).
   * Each call queues one stalled request.
   */
  stall(): void;
}

/** The whole server: its routes, its `fetch`, and everything a {@link TestRoute} has. */
export interface TestServer extends TestRoute {
  /**
   * The server's fetch: give it to the library's `fetch` option (`<TestStreamProvider>` does).
   * Accepts a `Request` too, so an msw handler can forward to it:
   * `http.all(url, ({ request }) => server.fetch(request))`.
   */
  readonly fetch: typeof fetch;
  /**
   * A view of the requests that `match`: its own `connected`, `connections`, `send`, `fail`...
   * Answers queued on a route win over answers queued on the server.
   */
  route(match: TestRouteMatcher): TestRoute;
}

const encoder = /* @__PURE__ */ new TextEncoder();
/** Queued after the last chunk by `close()` and `drop()`. */
const END = 0;
const BREAK = 1;
const LINE_BREAK = /[\r\n]/;

/**
 * Frames one event as event-stream text: `retry`, `id`, `event`, then one `data:` line per line
 * of data, and the blank line that dispatches it.
 *
 * @example
 * ```ts
 * formatEvent({ event: 'alert', data: { level: 2 }, id: 7 });
 * // 'id: 7\nevent: alert\ndata: {"level":2}\n\n'
 * ```
 */
export function formatEvent({ event, data, id, retry }: TestEvent): string {
  let out = '';
  if (retry !== undefined) {
    if (!Number.isInteger(retry) || retry < 0) {
      throw new TypeError(`retry must be a whole number of ms >= 0, got ${String(retry)}`);
    }
    out += `retry: ${retry}\n`;
  }
  if (id !== undefined) out += `id: ${field('id', String(id))}\n`;
  if (event !== undefined) out += `event: ${field('event', event)}\n`;
  if (data !== undefined) {
    const text = typeof data === 'string' ? data : JSON.stringify(data);
    if (text === undefined) throw new TypeError(`data cannot be sent as JSON: ${String(data)}`);
    for (const line of text.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  }
  return out + '\n';
}

// A line break in `id` or `event` would end the field early and turn the rest into other fields.
function field(name: string, value: string): string {
  if (LINE_BREAK.test(value)) {
    throw new TypeError(`${name} cannot contain a line break: ${JSON.stringify(value)}`);
  }
  return value;
}

type Answer =
  | { kind: 'fail'; status: number; headers: Record<string, string>; body: string | undefined }
  | { kind: 'stall' };

interface Scope {
  readonly matches: (url: URL, request: TestRequest) => boolean;
  readonly all: Connection[];
  readonly answers: Answer[];
  readonly opened: Waiters;
  readonly requested: Waiters;
}

/**
 * Creates an in-process event-stream server for one test. Give `server.fetch` to the library
 * (or render under `<TestStreamProvider server={server}>`), then drive the streams from the test.
 *
 * @example
 * ```ts
 * const server = createTestServer();
 * const conn = new Connection('http://test/events', { fetch: server.fetch });
 * conn.open();
 * const stream = await server.connected;
 * stream.send({ event: 'alert', data: { level: 2 }, id: '7' });
 * stream.drop(); // network error: the client reconnects with Last-Event-ID: 7
 * expect((await server.connected).lastEventId).toBe('7');
 * ```
 */
export function createTestServer(): TestServer {
  const root = newScope(() => true);
  const routes: Scope[] = [];

  const serve = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const given = typeof Request === 'function' && input instanceof Request ? input : undefined;
    const signal = init.signal ?? given?.signal ?? undefined;
    const headers: Record<string, string> = {};
    // Lower case by hand: not every Headers implementation does it (happy-dom's keeps the case).
    new Headers(init.headers ?? given?.headers).forEach(
      (value, name) => (headers[name.toLowerCase()] = value),
    );
    const method = (init.method ?? given?.method ?? 'GET').toUpperCase();
    const body =
      init.body != null
        ? await bodyText(init.body)
        : given && given.body
          ? await given.clone().text()
          : null;
    const url = new URL(given ? given.url : String(input), baseUrl()).href;
    const request: TestRequest = Object.freeze({
      url,
      method,
      headers: Object.freeze(headers),
      body,
      lastEventId: headers['last-event-id'] ?? null,
    });
    if (signal?.aborted) throw abortReason(signal);

    const parsed = new URL(url);
    const scopes = [...routes.filter((r) => r.matches(parsed, request)), root];
    const answer = scopes.find((s) => s.answers.length)?.answers.shift();
    const connection = new Connection(request);
    for (const scope of scopes) scope.all.push(connection);
    for (const scope of scopes) scope.requested.push(connection);

    if (answer?.kind === 'fail') {
      connection.settle('failed', answer.status);
      return new Response(answer.body ?? null, { status: answer.status, headers: answer.headers });
    }
    if (answer?.kind === 'stall') {
      return new Promise<Response>((_resolve, reject) => {
        const give = () => {
          connection.settle('aborted');
          reject(abortReason(signal!));
        };
        if (signal) signal.addEventListener('abort', give, { once: true });
      });
    }

    const response = new Response(connection.stream(signal), {
      status: 200,
      headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' },
    });
    for (const scope of scopes) scope.opened.push(connection);
    return response;
  };

  return Object.assign(routeOf(root), {
    fetch: serve as typeof fetch,
    route(match: TestRouteMatcher): TestRoute {
      const scope = newScope(matcher(match));
      routes.push(scope);
      return routeOf(scope);
    },
  });
}

/** The page URL that relative request URLs resolve against (jsdom and browsers have one). */
function baseUrl(): string | undefined {
  return (globalThis as { location?: { href?: string } }).location?.href;
}

function matcher(match: TestRouteMatcher): Scope['matches'] {
  if (typeof match === 'function') return match;
  if (match instanceof RegExp) return (url) => match.test(url.href);
  if (/^[a-z][a-z\d+.-]*:/i.test(match)) {
    const want = new URL(match);
    return (url) => url.origin === want.origin && url.pathname === want.pathname;
  }
  return (url) => url.pathname === match;
}

function newScope(matches: Scope['matches']): Scope {
  return {
    matches,
    all: [],
    answers: [],
    opened: new Waiters(),
    requested: new Waiters(),
  };
}

function routeOf(scope: Scope): TestRoute {
  const open = () => scope.all.filter((c) => c.open);
  // Sending to nothing is a mistake in the test (sent before the client connected, or after it
  // left): say so instead of losing the event.
  const each = (what: string, act: (c: Connection) => void) => {
    const targets = open();
    if (!targets.length) {
      throw new Error(
        `${what}: no open connection (await server.connected first; ${scope.all.length} request(s) so far)`,
      );
    }
    targets.forEach(act);
  };
  return {
    get connected() {
      return scope.opened.next();
    },
    get requested() {
      return scope.requested.next();
    },
    get connections() {
      return scope.all.slice();
    },
    get open() {
      return open();
    },
    get last() {
      return scope.all[scope.all.length - 1];
    },
    send: (event) => {
      const text = formatEvent(event);
      each('send', (c) => c.write(text));
    },
    comment: (text = '') => each('comment', (c) => c.comment(text)),
    write: (chunk) => each('write', (c) => c.write(chunk)),
    close: () => each('close', (c) => c.close()),
    drop: () => each('drop', (c) => c.drop()),
    fail(status, headers = {}, body) {
      if (!Number.isInteger(status) || status < 200 || status > 599) {
        throw new RangeError(`fail() takes an HTTP status from 200 to 599, got ${status}`);
      }
      scope.answers.push({ kind: 'fail', status, headers, body });
    },
    stall() {
      scope.answers.push({ kind: 'stall' });
    },
  };
}

/** Hands out items in arrival order, one per `next()`, whether they arrived before or after. */
class Waiters {
  readonly #items: Connection[] = [];
  readonly #waiting: ((c: Connection) => void)[] = [];

  push(item: Connection): void {
    const waiter = this.#waiting.shift();
    if (waiter) waiter(item);
    else this.#items.push(item);
  }

  next(): Promise<Connection> {
    const item = this.#items.shift();
    return item
      ? Promise.resolve(item)
      : withoutAct(new Promise((resolve) => this.#waiting.push(resolve)));
  }
}

let waits = 0;

/**
 * While the test waits for the server (a reconnect after its delay, a close after a linger),
 * React may render what happens meanwhile without `act`, as Testing Library's `waitFor` allows:
 * in an act environment, renders the test is not waiting for would otherwise be reported as
 * updates outside `act`.
 */
function withoutAct<T>(wait: Promise<T>): Promise<T> {
  const env = globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean };
  if (!waits && env.IS_REACT_ACT_ENVIRONMENT !== true) return wait;
  if (!waits++) env.IS_REACT_ACT_ENVIRONMENT = false;
  return wait.finally(() => {
    if (!--waits) env.IS_REACT_ACT_ENVIRONMENT = true;
  });
}

class Connection implements TestConnection {
  readonly request: TestRequest;
  readonly #closed: Promise<TestConnectionState>;
  #state: TestConnectionState = 'pending';
  #status = 0;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  readonly #queue: (Uint8Array | typeof END | typeof BREAK)[] = [];
  #wake: (() => void) | undefined;
  #onClosed!: (state: TestConnectionState) => void;

  constructor(request: TestRequest) {
    this.request = request;
    this.#closed = new Promise((resolve) => (this.#onClosed = resolve));
  }

  get closed(): Promise<TestConnectionState> {
    return this.open || this.#state === 'pending' ? withoutAct(this.#closed) : this.#closed;
  }

  get url() {
    return this.request.url;
  }
  get method() {
    return this.request.method;
  }
  get headers() {
    return this.request.headers;
  }
  get body() {
    return this.request.body;
  }
  get lastEventId() {
    return this.request.lastEventId;
  }
  get state() {
    return this.#state;
  }
  get open() {
    return this.#state === 'open';
  }
  get status() {
    return this.#status;
  }

  /**
   * The response body. What the test writes is queued and handed out one chunk per read, so a
   * `close()` or `drop()` right after a `send()` comes after that event, as on a real socket. The
   * client's abort (or cancel) ends it as `aborted`.
   */
  stream(signal: AbortSignal | undefined): ReadableStream<Uint8Array> {
    this.#state = 'open';
    this.#status = 200;
    const stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
        },
        pull: (controller) => this.#pull(controller),
        cancel: () => this.settle('aborted'),
      },
      { highWaterMark: 0 },
    );
    signal?.addEventListener(
      'abort',
      () => {
        if (!this.open) return;
        // As a real fetch: a pending read fails with the abort reason.
        const controller = this.#controller;
        this.settle('aborted');
        this.#queue.length = 0;
        controller?.error(abortReason(signal));
      },
      { once: true },
    );
    return stream;
  }

  #pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> | void {
    const item = this.#queue.shift();
    if (item === undefined) {
      return new Promise<void>((resolve) => (this.#wake = resolve)).then(() =>
        this.#pull(controller),
      );
    }
    if (item === END) controller.close();
    else if (item === BREAK) controller.error(new TypeError('network error'));
    else controller.enqueue(item);
  }

  #push(item: Uint8Array | typeof END | typeof BREAK): void {
    this.#queue.push(item);
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  settle(state: TestConnectionState, status?: number): void {
    if (this.#state !== 'open' && this.#state !== 'pending') return;
    this.#state = state;
    if (status !== undefined) this.#status = status;
    this.#controller = undefined;
    this.#onClosed(state);
  }

  #live(what: string): void {
    if (!this.open) {
      throw new Error(`${what}: the connection to ${this.url} is ${this.#state}, not open`);
    }
  }

  send(event: TestEvent): void {
    this.write(formatEvent(event));
  }

  comment(text = ''): void {
    this.write(
      text
        .split(/\r\n|\r|\n/)
        .map((line) => `:${line && ' '}${line}\n`)
        .join(''),
    );
  }

  write(chunk: string | Uint8Array): void {
    this.#live('write');
    this.#push(typeof chunk === 'string' ? encoder.encode(chunk) : chunk.slice());
  }

  close(): void {
    this.#live('close');
    this.settle('ended');
    this.#push(END);
  }

  drop(): void {
    this.#live('drop');
    this.settle('dropped');
    this.#push(BREAK);
  }
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

async function bodyText(body: BodyInit): Promise<string> {
  return typeof body === 'string' ? body : new Response(body).text();
}
