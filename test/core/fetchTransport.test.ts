import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SSEError } from '../../src/core/errors.js';
import { createFetchTransport } from '../../src/core/transports/fetchTransport.js';
import type { TransportRequest } from '../../src/core/transports/transport.js';

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
    const a = attempt({
      method: 'POST',
      headers: { Authorization: 'Bearer abc', 'Content-Type': 'application/json' },
      body: '{"q":1}',
      lastEventId: '41',
    });
    await a.done;
    expect(seen?.headers.get('accept')).toBe('text/event-stream');
    expect(seen?.headers.get('last-event-id')).toBe('41');
    expect(seen?.headers.get('authorization')).toBe('Bearer abc');
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
    const a = attempt({ method: 'PUT', credentials: 'include', body: 'x' }, fetchImpl);
    await a.done;
    expect(seen).toMatchObject({
      method: 'PUT',
      credentials: 'include',
      body: 'x',
      cache: 'no-store',
    });
    expect(seen?.signal).toBe(a.controller.signal);
    expect(seen?.headers).toEqual({ Accept: 'text/event-stream' });
  });

  it('error messages say what happened and where', async () => {
    server.use(
      http.get(URL_, () => new HttpResponse('x', { status: 404, statusText: 'Not Found' })),
    );
    let a = attempt();
    await a.done;
    expect(a.error()?.message).toBe(`HTTP 404 Not Found from ${URL_}`);

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
});
