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
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  if (keysA.length !== Object.keys(b).length) return false;
  for (const key of keysA) {
    if (
      !Object.prototype.hasOwnProperty.call(b, key) ||
      !Object.is((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])
    ) {
      return false;
    }
  }
  return true;
}
