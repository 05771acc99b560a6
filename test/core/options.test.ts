import { describe, expect, it } from 'vitest';
import {
  STREAM_OPTIONS,
  mergeOptions,
  nativeRefusals,
  sameOptions,
  streamKey,
  type AllStreamOptions,
  type OptionRow,
} from '../../src/core/options.js';

// Every assertion walks the table: a new option is one row, and these tests cover it.
const rows = Object.entries(STREAM_OPTIONS) as [keyof AllStreamOptions, OptionRow][];
const withOption = (name: string, value: unknown) => ({ [name]: value }) as AllStreamOptions;

describe('the option table', () => {
  it('drives the sharing key: keyed options by value, functions by presence, the rest not at all', () => {
    for (const [name, row] of rows) {
      const a = streamKey('/e', withOption(name, 'x'));
      const b = streamKey('/e', withOption(name, 'y'));
      expect([name, a === b]).toEqual([name, !row.key]);
      const f = streamKey(
        '/e',
        withOption(name, () => 1),
      );
      expect([
        name,
        f ===
          streamKey(
            '/e',
            withOption(name, () => 2),
          ),
      ]).toEqual([name, true]);
      // withCredentials is keyed through credentials (a truthy value means 'include').
      const keyed = row.key || name === 'withCredentials';
      expect([name, f === streamKey('/e')]).toEqual([name, !keyed]);
    }
  });

  it('drives the defaults: giving the default is the same stream as leaving it out', () => {
    const defaulted = rows.filter(([, row]) => row.default !== undefined);
    expect(defaulted.map(([name]) => name)).toEqual([
      'method',
      'credentials',
      'transport',
      'enabled',
    ]);
    for (const [name, row] of defaulted) {
      expect(streamKey('/e', withOption(name, row.default))).toBe(streamKey('/e'));
    }
    // Normalised values too: a lower-case method, credentials given as withCredentials.
    expect(streamKey('/e', { method: 'get' })).toBe(streamKey('/e'));
    expect(streamKey('/e', { withCredentials: true })).toBe(
      streamKey('/e', { credentials: 'include' }),
    );
    expect(streamKey('/e', { headers: { A: '1' } })).toBe(streamKey('/e', { headers: { a: '1' } }));
  });

  it('drives the native transport refusals', () => {
    for (const [name, row] of rows) {
      const refused = nativeRefusals(withOption(name, 'x'));
      if (row.native === undefined) expect([name, refused]).toEqual([name, []]);
      if (row.native === false) expect(refused).toEqual([row.label ?? name]);
    }
    expect(nativeRefusals({})).toEqual([]);
    expect(nativeRefusals({ method: 'get', reconnect: { maxAttempts: 3 } })).toEqual([]);
    expect(nativeRefusals({ method: 'POST', reconnect: { initialDelay: 5 } })).toEqual([
      'method',
      'reconnect delays',
    ]);
    // What the native transport has always refused, in one call.
    expect(
      nativeRefusals({
        method: 'POST',
        headers: { a: '1' },
        body: 'b',
        fetch: globalThis.fetch,
        retryOn: () => true,
        maxBufferSize: 1,
        stallTimeout: 1,
        lastEventId: '1',
        reconnect: { maxDelay: 1 },
      }).sort(),
    ).toEqual(
      [
        'body',
        'fetch',
        'headers',
        'lastEventId',
        'maxBufferSize',
        'method',
        'reconnect delays',
        'retryOn',
        'stallTimeout',
      ].sort(),
    );
  });

  it('drives merging: merging options combine key by key, the others are replaced', () => {
    for (const [name, row] of rows) {
      const merged = mergeOptions(withOption(name, { a: 1 }), withOption(name, { b: 2 }));
      expect([name, merged[name]]).toEqual([name, row.merge ? { a: 1, b: 2 } : { b: 2 }]);
    }
    expect(mergeOptions({ method: 'POST' }, { method: undefined })).toEqual({ method: 'POST' });
  });
});

describe('sameOptions (a render with fresh options reuses the key only when it would be equal)', () => {
  const headers = { a: '1' };
  it('functions count by presence, everything else by identity, and every name counts', () => {
    expect(
      sameOptions({ url: '/e', headers, fetch: () => 1 }, { url: '/e', headers, fetch: () => 2 }),
    ).toBe(true);
    expect(sameOptions({ url: '/e', headers }, { url: '/e', headers: { a: '1' } })).toBe(false);
    expect(sameOptions({ url: '/e', fetch: () => 1 }, { url: '/e', fetch: undefined })).toBe(false);
    expect(sameOptions({ url: '/e' }, { url: '/e', enabled: false })).toBe(false);
    expect(sameOptions({ url: '/e', enabled: true }, { url: '/e', enabled: false })).toBe(false);
  });

  it('whenever it says same, the keys are equal', () => {
    const a = { method: 'POST', headers, retryOn: () => true, shareKey: 'k' };
    const b = { ...a, retryOn: () => false };
    expect(sameOptions(a, b)).toBe(true);
    expect(streamKey('/e', b)).toBe(streamKey('/e', a));
  });
});
