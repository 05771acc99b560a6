import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildRequest, utf8Binary } from '../../src/core/request.js';

const signal = new AbortController().signal;
afterEach(() => vi.unstubAllGlobals());

describe('buildRequest', () => {
  it('adds Accept, encodes a JSON body with its Content-Type, keeps a string body', () => {
    const json = buildRequest(
      'http://a.test/s',
      { method: 'post', body: { q: 1 } },
      {},
      '',
      signal,
    );
    expect(json).toMatchObject({
      url: 'http://a.test/s',
      method: 'POST',
      body: '{"q":1}',
      headers: { Accept: 'text/event-stream', 'Content-Type': 'application/json' },
      credentials: 'same-origin',
    });
    const text = buildRequest(
      'http://a.test/s',
      { body: 'raw', withCredentials: true },
      { 'content-type': 'text/plain' },
      '',
      signal,
    );
    expect(text.body).toBe('raw');
    expect(text.headers).toEqual({ Accept: 'text/event-stream', 'content-type': 'text/plain' });
    expect(text.credentials).toBe('include');
  });

  it('sends the last event ID as UTF-8 bytes, one character per byte', () => {
    const r = buildRequest('http://a.test/s', {}, {}, 'é-42', signal);
    expect(r.headers['Last-Event-ID']).toBe('\u00c3\u00a9-42');
    expect(utf8Binary('…')).toBe('\u00e2\u0080\u00a6');
    expect(utf8Binary('plain-7')).toBe('plain-7');
  });

  it('in Node, an ID with a control character goes in the query parameter', () => {
    const r = buildRequest('http://a.test/s?x=1', {}, {}, 'a\u0001b', signal);
    expect(r.headers['Last-Event-ID']).toBeUndefined();
    expect(new URL(r.url).searchParams.get('lastEventId')).toBe('a\u0001b');
    expect(new URL(r.url).searchParams.get('x')).toBe('1');
    const named = buildRequest(
      'http://a.test/s',
      { lastEventIdParam: 'since' },
      {},
      'a\u0001b',
      signal,
    );
    expect(new URL(named.url).searchParams.get('since')).toBe('a\u0001b');
    const off = buildRequest(
      'http://a.test/s',
      { lastEventIdParam: false },
      {},
      'a\u0001b',
      signal,
    );
    expect(off.url).toBe('http://a.test/s');
    expect(off.headers['Last-Event-ID']).toBeUndefined();
  });

  describe('in a page', () => {
    const page = () =>
      vi.stubGlobal('location', { href: 'http://app.test/page', origin: 'http://app.test' });

    it('resolves relative URLs and keeps the header on the same origin', () => {
      page();
      const r = buildRequest('/events', {}, {}, '7', signal);
      expect(r.url).toBe('http://app.test/events');
      expect(r.headers['Last-Event-ID']).toBe('7');
    });

    it('moves the ID to the query on a cross-origin request that needs no preflight', () => {
      page();
      const r = buildRequest('http://api.test/events', {}, {}, '7', signal);
      expect(r.headers['Last-Event-ID']).toBeUndefined();
      expect(r.url).toBe('http://api.test/events?lastEventId=7');
      // A control character is fine in a browser's header: the same-origin header keeps it.
      expect(buildRequest('/e', {}, {}, 'a\u0001b', signal).headers['Last-Event-ID']).toBe(
        'a\u0001b',
      );
    });

    it('keeps the header when the request is preflighted anyway, or when told to', () => {
      page();
      const auth = buildRequest(
        'http://api.test/e',
        {},
        { Authorization: 'Bearer t' },
        '7',
        signal,
      );
      expect(auth.headers['Last-Event-ID']).toBe('7');
      const json = buildRequest('http://api.test/e', { method: 'POST', body: {} }, {}, '7', signal);
      expect(json.headers['Last-Event-ID']).toBe('7');
      const put = buildRequest('http://api.test/e', { method: 'PUT' }, {}, '7', signal);
      expect(put.headers['Last-Event-ID']).toBe('7');
      const off = buildRequest('http://api.test/e', { lastEventIdParam: false }, {}, '7', signal);
      expect(off.headers['Last-Event-ID']).toBe('7');
      const form = buildRequest(
        'http://api.test/e',
        { method: 'POST', body: 'a=1' },
        { 'Content-Type': 'application/x-www-form-urlencoded' },
        '7',
        signal,
      );
      expect(form.headers['Last-Event-ID']).toBeUndefined();
    });
  });

  it('throws on a URL that cannot be resolved', () => {
    expect(() => buildRequest('/relative', {}, {}, '', signal)).toThrow(TypeError);
  });
});
