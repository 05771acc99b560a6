import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SSEError } from '../../src/core/errors.js';
import { createFetchTransport } from '../../src/core/transports/fetchTransport.js';
import type { TransportRequest } from '../../src/core/transports/transport.js';
import { buildRequest } from '../../src/core/request.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const URL_ = 'http://api.test/stream';

function streamBody(text: string) {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text));
      controller.close();
    },
  });
}

/** Runs one attempt and records what the transport reported. */
function attempt(overrides: Partial<TransportRequest> = {}, fetchImpl?: typeof fetch) {
  const controller = new AbortController();
  const log: string[] = [];
  let error: SSEError | undefined;
  const done = new Promise<void>((resolve) => {
    createFetchTransport(fetchImpl).connect(
      {
        url: URL_,
        method: 'GET',
        headers: {},
        body: undefined,
        credentials: 'same-origin',
        lastEventId: '',
        signal: controller.signal,
        ...overrides,
      },
      {
        open: (url) => log.push(`open ${url}`),
        chunk: (c) => log.push(`chunk ${typeof c === 'string' ? c : new TextDecoder().decode(c)}`),
        event: () => log.push('event'),
        end: () => {
          log.push('end');
          resolve();
        },
        error: (e) => {
          error = e;
          log.push(`error ${e.type}`);
          resolve();
        },
      },
    );
  });
  return { done, log, controller, error: () => error };
}

describe('fetch transport', () => {
  it('sends Accept, Last-Event-ID, method, headers and body; streams the body', async () => {
    let seen: Request | undefined;
    let body = '';
    server.use(
      http.post(URL_, async ({ request }) => {
        seen = request.clone();
        body = await request.text();
        return new HttpResponse(streamBody('data: hi\n\n'), {
          headers: { 'Content-Type': 'text/event-stream; charset=utf-8' },
        });
      }),
    );
    const { signal: _, ...request } = buildRequest(
      URL_,
      { method: 'POST', body: { q: 1 } },
      { Authorization: 'Bearer abc' },
      '41',
      new AbortController().signal,
    );
    const a = attempt(request);
    await a.done;
    expect(seen?.headers.get('accept')).toBe('text/event-stream');
    expect(seen?.headers.get('last-event-id')).toBe('41');
    expect(seen?.headers.get('authorization')).toBe('Bearer abc');
    expect(seen?.headers.get('content-type')).toBe('application/json');
    expect(body).toBe('{"q":1}');
    expect(a.log).toEqual([`open ${URL_}`, 'chunk data: hi\n\n', 'end']);
  });

  it('does not send Last-Event-ID when there is none', async () => {
    let had: boolean | undefined;
    server.use(
      http.get(URL_, ({ request }) => {
        had = request.headers.has('last-event-id');
        return new HttpResponse(streamBody(''), {
          headers: { 'Content-Type': 'text/event-stream' },
        });
      }),
    );
    await attempt().done;
    expect(had).toBe(false);
  });

  it('reports HTTP errors with status and Retry-After', async () => {
    server.use(
      http.get(
        URL_,
        () => new HttpResponse('busy', { status: 503, headers: { 'Retry-After': '3' } }),
      ),
    );
    const a = attempt();
    await a.done;
    expect(a.error()).toMatchObject({ type: 'http', status: 503, retryAfterMs: 3000 });
    expect(a.log).toEqual(['error http']);
  });

  it('reports 204 as the end of the stream', async () => {
    server.use(http.get(URL_, () => new HttpResponse(null, { status: 204 })));
    const a = attempt();
    await a.done;
    expect(a.error()).toMatchObject({ type: 'http', status: 204, code: 'no-content' });
  });

  it.each(['text/html', 'application/json', 'text/event-streamx', ''])(
    'rejects Content-Type "%s"',
    async (type) => {
      server.use(
        http.get(
          URL_,
          () => new HttpResponse('x', { headers: type ? { 'Content-Type': type } : {} }),
        ),
      );
      const a = attempt();
      await a.done;
      expect(a.error()?.type).toBe('content-type');
    },
  );

  it('reports a failed request as a network error', async () => {
    server.use(http.get(URL_, () => HttpResponse.error()));
    const a = attempt();
    await a.done;
    expect(a.error()).toMatchObject({ type: 'network' });
  });

  it('an abort reports nothing', async () => {
    server.use(
      http.get(
        URL_,
        () =>
          new HttpResponse(new ReadableStream(), {
            headers: { 'Content-Type': 'text/event-stream' },
          }),
      ),
    );
    const a = attempt();
    await new Promise((r) => setTimeout(r, 20));
    a.controller.abort();
    await new Promise((r) => setTimeout(r, 20));
    expect(a.log).toEqual([`open ${URL_}`]);
  });

  it('passes method, credentials, signal and no-store to a custom fetch', async () => {
    let seen: RequestInit | undefined;
    const fetchImpl = (async (_input: RequestInfo | URL, init?: RequestInit) => {
      seen = init;
      return new Response(streamBody(''), { headers: { 'Content-Type': 'text/event-stream' } });
    }) as typeof fetch;
    const headers = { Accept: 'text/event-stream', 'X-Trace': '1' };
    const a = attempt({ method: 'PUT', credentials: 'include', body: 'x', headers }, fetchImpl);
    await a.done;
    expect(seen).toMatchObject({
      method: 'PUT',
      credentials: 'include',
      body: 'x',
      cache: 'no-store',
    });
    expect(seen?.signal).toBe(a.controller.signal);
    // The transport sends the headers it is given; the request was built once, before it.
    expect(seen?.headers).toBe(headers);
  });

  it('error messages say what happened and where', async () => {
    server.use(
      http.get(
        URL_,
        () =>
          new HttpResponse('<html><p>Not here</p></html>', {
            status: 404,
            statusText: 'Not Found',
          }),
      ),
    );
    let a = attempt();
    await a.done;
    // An HTML page says nothing a user should read: it stays in `body`, not in the message.
    expect(a.error()?.message).toBe(`HTTP 404 Not Found from ${URL_}`);
    expect(a.error()?.body).toBe('<html><p>Not here</p></html>');

    server.use(
      http.get(URL_, () => new HttpResponse('x', { headers: { 'Content-Type': 'text/html' } })),
    );
    a = attempt();
    await a.done;
    expect(a.error()).toMatchObject({ type: 'content-type', contentType: 'text/html' });
    expect(a.error()?.message).toBe(
      `Expected Content-Type text/event-stream from ${URL_}, got text/html`,
    );

    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: new Error('connect ECONNREFUSED'),
    });
    a = attempt({}, () => Promise.reject(refused));
    await a.done;
    expect(a.error()).toMatchObject({ type: 'network', cause: refused });
    expect(a.error()?.message).toBe(
      `Could not reach ${URL_}: TypeError: fetch failed (Error: connect ECONNREFUSED)`,
    );
  });

  it('accepts text/event-stream in any case and with parameters', async () => {
    server.use(
      http.get(
        URL_,
        () =>
          new HttpResponse(streamBody('data: x\n\n'), {
            headers: { 'Content-Type': 'Text/Event-Stream ; charset=UTF-8' },
          }),
      ),
    );
    const a = attempt();
    await a.done;
    expect(a.log.at(-1)).toBe('end');
  });

  it.each([
    ['OpenAI', { error: { message: 'Invalid API key', type: 'invalid_request_error' } }],
    [
      'Anthropic',
      { type: 'error', error: { type: 'authentication_error', message: 'Invalid API key' } },
    ],
    ['{ message }', { message: 'Invalid API key' }],
    ['{ error: string }', { error: 'Invalid API key' }],
    ['{ detail }', { detail: 'Invalid API key' }],
  ])('puts the message of a %s error body in the error', async (_name, json) => {
    server.use(http.get(URL_, () => HttpResponse.json(json, { status: 401 })));
    const a = attempt();
    await a.done;
    expect(a.error()).toMatchObject({ type: 'http', status: 401, body: JSON.stringify(json) });
    expect(a.error()?.message).toBe(`HTTP 401 Unauthorized from ${URL_}: Invalid API key`);
  });

  it('reads at most 4 KB of an error body, and a plain text one is the message', async () => {
    server.use(http.get(URL_, () => new HttpResponse('x'.repeat(100_000), { status: 500 })));
    let a = attempt();
    await a.done;
    expect(a.error()?.body).toHaveLength(4096);
    expect(a.error()?.message).toBe(`HTTP 500 Internal Server Error from ${URL_}`);
    server.use(http.get(URL_, () => new HttpResponse('quota exceeded', { status: 429 })));
    a = attempt();
    await a.done;
    expect(a.error()?.message).toBe(`HTTP 429 Too Many Requests from ${URL_}: quota exceeded`);
  });

  it('an error body that stalls is given up after 2 s with what arrived', async () => {
    server.use(
      http.get(
        URL_,
        () =>
          new HttpResponse(
            new ReadableStream({
              start(controller) {
                controller.enqueue(new TextEncoder().encode('{"message":"partial'));
              },
            }),
            { status: 502 },
          ),
      ),
    );
    const started = Date.now();
    const a = attempt();
    await a.done;
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(a.error()).toMatchObject({ status: 502, body: '{"message":"partial' });
  });
});
