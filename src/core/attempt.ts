import type { Clock } from './clock.js';
import { SSEError } from './errors.js';
import { createParser, type Parser } from './parse.js';
import { buildRequest } from './request.js';
import type { Transport, TransportHandle, TransportSink } from './transports/transport.js';
import type { ConnectionOptions } from './types.js';

/** What one attempt reports to its connection. Nothing is reported after `cancel()`. */
export interface AttemptHost {
  readonly url: string;
  readonly options: ConnectionOptions;
  readonly transport: Transport;
  readonly clock: Clock;
  /** The ID to resume from: sent with the request, and the new parser's last event ID. */
  readonly lastEventId: string;
  /** Event types listened to (the native transport delivers only those). */
  readonly types: Iterable<string>;
  open(finalUrl: string): void;
  event(type: string, data: string, lastEventId: string, origin: string): void;
  /** The last event ID changed without an event (an id-only block), or with the next one. */
  id(lastEventId: string, publish: boolean): void;
  retry(ms: number): void;
  bytes(count: number): void;
  fail(error: SSEError): void;
  /** A transport that reconnects by itself lost the stream and is trying again. */
  lost(error: SSEError): void;
}

/**
 * One try at the stream: resolves the headers, builds the request, runs the transport and parses
 * what it sends, with a parser of its own. `cancel()` ends it, and from then on it reports
 * nothing: events still in the chunk being parsed when a listener closes the stream are dropped,
 * and a superseded attempt's late callbacks are ignored.
 */
export class Attempt {
  #live = true;
  readonly #host: AttemptHost;
  readonly #abort = new AbortController();
  #handle: TransportHandle | void = undefined;
  #stall: unknown;
  #origin = '';

  constructor(host: AttemptHost) {
    this.#host = host;
    this.#armStall();
    void this.#run();
  }

  cancel(): void {
    this.#live = false;
    this.#abort.abort();
    this.#host.clock.clearTimeout(this.#stall);
  }

  /** A listener asked for `type`: tell a transport that delivers only listened types. */
  listen(type: string): void {
    this.#handle?.listen(type);
  }

  async #run(): Promise<void> {
    const host = this.#host;
    const { options } = host;
    let headers;
    try {
      // Awaited even when it is an object: every failure below reaches listeners after `open()`
      // returned, as the spec's "fail the connection" is a queued task.
      const h = options.headers;
      headers = { ...(await (typeof h === 'function' ? h() : h)) };
    } catch (cause) {
      return this.#fail(networkError('The headers function failed', 'headers', cause));
    }
    if (!this.#live) return;
    let request;
    try {
      request = buildRequest(host.url, options, headers, host.lastEventId, this.#abort.signal);
    } catch (cause) {
      return this.#fail(networkError(`Invalid URL: ${host.url}`, 'invalid-url', cause));
    }
    // Spec: fetching any other scheme is futile, so the connection fails instead of retrying.
    // A custom fetch, or a transport that says so, may know schemes of its own.
    if (!/^https?:/.test(request.url) && !options.fetch && !host.transport.anyScheme) {
      return this.#fail(networkError(`Cannot fetch ${request.url}`, 'invalid-url'));
    }
    try {
      this.#handle = host.transport.connect(request, this.#sink());
    } catch (cause) {
      // A transport should report through its sink; one that throws fails this attempt.
      const message = `Could not reach ${request.url}: ${String(cause)}`;
      return this.#fail(networkError(message, 'transport', cause));
    }
    if (this.#handle && this.#live) for (const type of host.types) this.#handle.listen(type);
  }

  #sink(): TransportSink {
    const host = this.#host;
    let parser: Parser | undefined;
    let idOnly: string | null = null;
    // Browsers start each new stream with the last event ID they had, not an empty one, so
    // events without an id after a reconnect keep it (and a later reconnect resumes from it).
    const newParser = (): Parser => {
      const created = createParser(
        {
          onEvent: ({ type, data, lastEventId }) => {
            idOnly = null;
            if (this.#live) host.event(type, data, lastEventId, this.#origin);
          },
          // Spec: dispatch sets the last event ID string even when no event fires. The event
          // that usually follows publishes it; an id-only block is published after the chunk.
          onLastEventId: (id) => {
            if (this.#live) host.id((idOnly = id), false);
          },
          onRetry: (ms) => this.#live && host.retry(ms),
          onError: (error) => this.#fail(error),
        },
        { maxBufferSize: host.options.maxBufferSize },
      );
      created.reset(host.lastEventId);
      return created;
    };
    return {
      open: (finalUrl) => {
        if (!this.#live) return;
        this.#origin = originOf(finalUrl);
        this.#armStall();
        host.open(finalUrl);
      },
      chunk: (chunk) => {
        if (!this.#live) return;
        this.#armStall();
        host.bytes(chunk.length);
        (parser ??= newParser()).feed(chunk);
        if (idOnly !== null && this.#live) host.id(idOnly, true);
        idOnly = null;
      },
      event: (m) => this.#live && host.event(m.type, m.data, m.lastEventId, m.origin),
      end: () => {
        if (!this.#live) return;
        parser?.end();
        this.#fail(networkError('The server closed the stream', 'stream-ended'));
      },
      error: (error) => this.#fail(error),
      reconnecting: (error) => this.#live && host.lost(error),
    };
  }

  #fail(error: SSEError): void {
    if (this.#live) this.#host.fail(error);
  }

  #armStall(): void {
    const { options, clock } = this.#host;
    const ms = options.stallTimeout ?? 0;
    if (ms <= 0) return;
    clock.clearTimeout(this.#stall);
    this.#stall = clock.setTimeout(
      () => this.#fail(networkError(`No data for ${ms} ms: the stream stalled`, 'stalled')),
      ms,
    );
  }
}

function networkError(message: string, code: SSEError['code'], cause?: unknown): SSEError {
  return new SSEError('network', message, { code, cause });
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}
