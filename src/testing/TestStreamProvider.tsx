import { StrictMode, type ReactNode } from 'react';
// The package itself, not its sources: the kit must use the very copy of the library the code
// under test uses (one React context), and app bundles stay free of the kit.
import { EventSourceProvider, type EventSourceDefaults } from 'sse-hooks';
import type { TestServer } from './createTestServer.js';

/** Props of {@link TestStreamProvider}. */
export interface TestStreamProviderProps {
  /** The server every hook below reaches, through the `fetch` option. */
  server: TestServer;
  /** More defaults for the hooks below (`parse`, `reconnect`...); `fetch` is always the server's. */
  options?: EventSourceDefaults;
  /** Renders inside `<StrictMode>`, to catch effects that do not clean up. Default false. */
  strict?: boolean;
  children?: ReactNode;
}

/**
 * An `<EventSourceProvider>` for tests: the hooks below reach `server` through the fetch
 * transport, get a registry of their own (nothing is shared with another test, or with hooks
 * outside it) and close their connections as soon as nothing uses them (no linger).
 *
 * @example
 * ```tsx
 * const server = createTestServer();
 * render(
 *   <TestStreamProvider server={server}>
 *     <StatusBadge />
 *   </TestStreamProvider>,
 * );
 * (await server.connected).send({ data: 'online' });
 * ```
 */
export function TestStreamProvider({
  server,
  options,
  strict = false,
  children,
}: TestStreamProviderProps): ReactNode {
  const tree = (
    <EventSourceProvider
      linger={0}
      options={{ ...options, fetch: server.fetch, transport: 'fetch' }}
    >
      {children}
    </EventSourceProvider>
  );
  return strict ? <StrictMode>{tree}</StrictMode> : tree;
}

/**
 * A wrapper component for Testing Library's `render(ui, { wrapper })` (and `renderHook`), with
 * the same effect as {@link TestStreamProvider}.
 *
 * @example
 * ```tsx
 * const server = createTestServer();
 * render(<StatusBadge />, { wrapper: streamWrapper(server) });
 * ```
 */
export function streamWrapper(
  server: TestServer,
  props: Omit<TestStreamProviderProps, 'server' | 'children'> = {},
): (props: { children?: ReactNode }) => ReactNode {
  return function StreamWrapper({ children }) {
    return (
      <TestStreamProvider server={server} {...props}>
        {children}
      </TestStreamProvider>
    );
  };
}
