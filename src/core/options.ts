import type { ConnectionOptions } from './types.js';
import type { ParseOption } from './parseEvent.js';

/**
 * The options that pick and tune a stream, accepted by every hook, by `defineStream` and as
 * defaults by `<EventSourceProvider options>`.
 *
 * Sharing rule: hooks under one provider share one connection when the url and the values of
 * `method`, `headers`, `body`, `credentials`, `transport`, `lastEventIdParam`, `share` and
 * `shareKey` are equal. Functions (`headers` as a function, `fetch`, `retryOn`) count by
 * presence only: hooks that pass one share, and each (re)connect calls the newest function of
 * the hook that most recently took its share, so inline functions never reconnect. Give
 * different `shareKey`s to keep hooks with different functions apart. Settings that only tune a
 * live connection (`reconnect`, `stallTimeout`, `maxBufferSize`, `lastEventId`) come from the
 * hook that opened it.
 */
export interface StreamOptions extends Omit<ConnectionOptions, 'signal'> {
  /** Separates hooks on the same url and values: different `shareKey`s, different connections. */
  shareKey?: string;
  /**
   * How state reaches React. By default changes are coalesced to one render per animation frame
   * (`setTimeout(16)` where there is no `requestAnimationFrame`). A number > 0 coalesces to at
   * most one render per that many ms; `0` renders on every change (no batching).
   */
  throttle?: number;
}

/** Options every hook takes on top of {@link StreamOptions}. */
export interface HookStreamOptions extends StreamOptions {
  /** `false` connects nothing (as does a `null` url). Default true. */
  enabled?: boolean;
}

/** Every option a stream can be given, by name: the rows of {@link STREAM_OPTIONS}. */
export interface AllStreamOptions extends HookStreamOptions {
  signal?: AbortSignal;
  parse?: ParseOption<unknown> | undefined;
}

/** What the library knows of one option; see {@link STREAM_OPTIONS}. */
export interface OptionRow {
  /**
   * How it takes part in the sharing key: `'value'` by value (objects whatever their key order),
   * `'identity'` objects by identity (primitives by value). Functions always count by presence
   * only, and the newest one is called. Absent: not part of the key.
   */
  readonly key?: 'value' | 'identity';
  /** The value when it is not given: giving it is the same stream as leaving it out. */
  readonly default?: unknown;
  /** The form the key compares (e.g. upper-case method). */
  readonly norm?: (value: never) => unknown;
  /** Reads the value from all options, when another option stands for it too. */
  readonly read?: (options: AllStreamOptions) => unknown;
  /** Merged key by key over the provider's and the descriptor's value. */
  readonly merge?: true;
  /**
   * Whether the browser's own EventSource can honour it: `false` when set at all, or a test of
   * the value. Absent: always.
   */
  readonly native?: false | ((value: never) => boolean);
  /** Its name in a refusal, when not its own. */
  readonly label?: string;
}

/**
 * Every stream option, one row each: the sharing key, the defaults, the merging of defaults and
 * what the native EventSource transport refuses are all computed from this table, so a new
 * option is one row (the type forces it).
 */
export const STREAM_OPTIONS = {
  method: {
    key: 'value',
    default: 'GET',
    norm: (m: string) => m.toUpperCase(),
    native: (m: string) => /^get$/i.test(m),
  },
  headers: {
    key: 'value',
    merge: true,
    norm: (h: Record<string, string>) =>
      Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v])),
    native: false,
  },
  body: { key: 'value', native: false },
  credentials: {
    key: 'value',
    default: 'same-origin',
    read: (o) => o.credentials ?? (o.withCredentials ? 'include' : undefined),
  },
  withCredentials: {},
  fetch: { key: 'value', native: false },
  transport: { key: 'identity', default: 'fetch' },
  lastEventIdParam: { key: 'value' },
  share: { key: 'identity' },
  shareKey: { key: 'value' },
  retryOn: { key: 'value', native: false },
  reconnect: {
    merge: true,
    native: (r: object) => Object.keys(r).every((k) => k === 'maxAttempts'),
    label: 'reconnect delays',
  },
  stallTimeout: { native: false },
  maxBufferSize: { native: false },
  lastEventId: { native: false },
  random: {},
  clock: { key: 'identity' },
  signal: {},
  throttle: {},
  enabled: { default: true },
  parse: {},
} as const satisfies { readonly [K in keyof Required<AllStreamOptions>]: OptionRow };

type Name = keyof typeof STREAM_OPTIONS;
const rows = /* @__PURE__ */ Object.entries(STREAM_OPTIONS) as [Name, OptionRow][];

/**
 * The stable identity of a stream: equal when the url and every keyed option (see
 * {@link STREAM_OPTIONS}) are equal, whatever the object identity, key order, header name case,
 * or whether a default is given or left out.
 *
 * @example
 * ```ts
 * streamKey('/e', { method: 'get' }) === streamKey('/e'); // true
 * ```
 */
export function streamKey(url: string, options: AllStreamOptions = {}): string {
  const parts: unknown[] = [url];
  for (const [name, row] of rows) {
    if (!row.key) continue;
    const value = (row.read ? row.read(options) : options[name]) ?? row.default;
    parts.push(
      typeof value === 'function'
        ? 'ƒ'
        : value && typeof value === 'object' && row.key === 'identity'
          ? idOf(value)
          : value != null && row.norm
            ? (row.norm as (v: unknown) => unknown)(value)
            : value,
    );
  }
  return stableJson(parts);
}

/** The names of the function options that are given, each called through the newest one. */
export function functionOptions(options: AllStreamOptions): Name[] {
  return rows.flatMap(([name, row]) =>
    row.key && typeof options[name] === 'function' ? [name] : [],
  );
}

/**
 * Whether two option sets name a stream the same way: the same names with the same values, but
 * functions, which count by presence (as in {@link streamKey}). Cheap, so a render that passes
 * fresh but equal options skips computing the key again.
 */
export function sameOptions(a: object, b: object): boolean {
  const names = Object.keys(a);
  if (names.length !== Object.keys(b).length) return false;
  for (const name of names) {
    const x: unknown = (a as Record<string, unknown>)[name];
    const y: unknown = (b as Record<string, unknown>)[name];
    if (x !== y && (typeof x !== 'function' || typeof y !== 'function')) return false;
  }
  return true;
}

/**
 * What the browser's native EventSource cannot honour among `options`, by option name (empty
 * when it can take them all): it sends a plain GET with no headers or body and retries on its
 * own clock.
 *
 * @example
 * ```ts
 * nativeRefusals({ method: 'POST', headers: { a: '1' } }); // ['method', 'headers']
 * ```
 */
export function nativeRefusals(options: AllStreamOptions): string[] {
  return rows.flatMap(([name, row]) => {
    const value = options[name];
    return row.native === undefined || value == null || (row.native && row.native(value as never))
      ? []
      : [row.label ?? name];
  });
}

/**
 * `layer` over `base`: a value `layer` gives wins, objects of merging options (`headers`,
 * `reconnect`) merge key by key.
 */
export function mergeOptions<T extends AllStreamOptions>(base: T | undefined, layer: T): T {
  const out: Record<string, unknown> = { ...base };
  for (const name in layer) {
    const value: unknown = layer[name];
    const prev = out[name];
    if (value !== undefined) {
      out[name] =
        (STREAM_OPTIONS[name as Name] as OptionRow | undefined)?.merge &&
        typeof prev === 'object' &&
        typeof value === 'object'
          ? { ...prev, ...value }
          : value;
    }
  }
  return out as T;
}

// Objects keyed by identity: a number per object, never reused.
const ids = new WeakMap<object, number>();
let lastId = 0;
const idOf = (value: object): number => ids.get(value) ?? (ids.set(value, ++lastId), lastId);

/**
 * JSON with object keys sorted, so equal values give equal text whatever the key order.
 * Functions are dropped, or written as `fn` when given.
 */
export function stableJson(value: unknown, fn?: string): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'function'
      ? fn
      : v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, (v as Record<string, unknown>)[k]]),
          )
        : v,
  );
}
