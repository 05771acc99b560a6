import { StrictMode, type ReactNode } from 'react';
import { afterEach, beforeEach, expect, vi } from 'vitest';
import { EventSourceProvider, type EventSourceProviderProps } from 'sse-hooks';
import type { TestServer } from 'sse-hooks/testing';
import 'sse-hooks/testing/vitest';

/**
 * Every React test runs in Testing Library's act environment and must leave React silent: an
 * update outside act (a render the test did not wait for) or any other console error fails it.
 */
export function failOnConsoleError(): void {
  let errors: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    errors = vi.spyOn(console, 'error');
  });
  afterEach(() => {
    const calls = errors.mock.calls;
    errors.mockRestore();
    vi.useRealTimers();
    vi.unstubAllGlobals();
    expect(calls).toEqual([]);
  });
}

/**
 * StrictMode and a provider whose hooks reach `server`, for the tests that set the provider's
 * own props (linger, registry); the others render under `<TestStreamProvider strict>`.
 */
export function Strict({
  server,
  children,
  linger = 0,
  options,
  ...props
}: EventSourceProviderProps & { server: TestServer; children: ReactNode }) {
  return (
    <StrictMode>
      <EventSourceProvider linger={linger} options={{ ...options, fetch: server.fetch }} {...props}>
        {children}
      </EventSourceProvider>
    </StrictMode>
  );
}
