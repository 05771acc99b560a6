/**
 * True when `a` and `b` are the same, or are objects (or arrays) with the same keys and
 * `Object.is`-equal values. Use it as `isEqual` for selectors that build an object.
 *
 * @example
 * ```ts
 * const { selected } = useEventSource(url, {
 *   select: (s) => ({ status: s.status, error: s.error }),
 *   isEqual: shallowEqual,
 * });
 * ```
 */
export function shallowEqual<T>(a: T, b: T): boolean {
  if (Object.is(a, b)) return true;
  if (!a || !b || typeof a !== 'object' || typeof b !== 'object') return false;
  const keys = Object.keys(a);
  return (
    Array.isArray(a) === Array.isArray(b) &&
    keys.length === Object.keys(b).length &&
    keys.every((key) => Object.hasOwn(b, key) && Object.is(a[key as keyof T], b[key as keyof T]))
  );
}
