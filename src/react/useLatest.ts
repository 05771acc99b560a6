import { useInsertionEffect, useRef } from 'react';

/**
 * A ref that holds the value of the last committed render, for callbacks that must see the
 * newest props without re-subscribing. Updated before layout and passive effects run.
 */
export function useLatest<T>(value: T): { readonly current: T } {
  const ref = useRef(value);
  useInsertionEffect(() => {
    ref.current = value;
  });
  return ref;
}
