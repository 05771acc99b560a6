/**
 * Tab sharing as a `share` strategy: which streams are shared across tabs, and under what name
 * the tabs find each other. The sharing itself is {@link TabConnection}.
 */
import { systemClock } from './clock.js';
import { Connection } from './connection.js';
import type { ConnectionOptions, ShareStrategy } from './types.js';
import { stableJson } from './options.js';
import type { TabLocks } from './tabs/leaderElection.js';
import { TabConnection } from './tabs/tabConnection.js';
import type { TabChannel } from './tabs/wire.js';

export type { TabLocks } from './tabs/leaderElection.js';
export type { TabChannel } from './tabs/wire.js';
export { TabConnection } from './tabs/tabConnection.js';

/** Options of {@link createTabSharing}. */
export interface TabSharingOptions {
  /**
   * Share streams that send a body, headers or a method other than GET. Off by default: such
   * requests usually carry one user's credentials or one query, so each tab keeps its own. When
   * on, the leader tab's headers (its headers function, its token) are the ones sent.
   */
  shareRequests?: boolean;
  /** How often the leader says it is alive, in ms (default 500). */
  heartbeat?: number;
  /**
   * A leader not heard from for this long (ms) is replaced (default 2000): a frozen tab keeps its
   * lock, so silence is how the others find out.
   */
  timeout?: number;
  /** Prefix of the lock and channel names (default `'sse-hooks'`). */
  namespace?: string;
  /** The Web Locks API (default `navigator.locks`); `null` disables sharing. */
  locks?: TabLocks | null;
  /** Opens a channel (default `new BroadcastChannel(name)`); `null` disables sharing. */
  channel?: ((name: string) => TabChannel) | null;
  /**
   * Where Page Lifecycle events arrive: `freeze`/`resume` on `document`, `pagehide`/`pageshow` on
   * `window` (defaults: the globals; `null` for none).
   */
  lifecycle?: { document?: EventTarget; window?: EventTarget } | null;
}

/**
 * A tab sharing strategy: streams that pass it as `share` use one network connection per browser
 * instead of one per tab. See {@link tabs} for how it works.
 *
 * @example
 * ```ts
 * import { createTabSharing } from 'sse-hooks/tabs';
 * // Also share a stream that sends an Authorization header (every tab uses the leader's token):
 * const share = createTabSharing({ shareRequests: true });
 * useEventSource('/api/feed', { headers: () => auth(), share });
 * ```
 */
export function createTabSharing(options: TabSharingOptions = {}): ShareStrategy {
  return {
    create(url, connectionOptions) {
      const g = globalThis as {
        navigator?: { locks?: TabLocks };
        BroadcastChannel?: new (name: string) => TabChannel;
        isSecureContext?: boolean;
        document?: EventTarget;
      };
      const locks = options.locks === undefined ? g.navigator?.locks : options.locks;
      const Channel = g.BroadcastChannel;
      const channel =
        options.channel === undefined
          ? Channel && g.isSecureContext !== false && ((name: string) => new Channel(name))
          : options.channel;
      const { method, body, headers, transport } = connectionOptions;
      const perRequest =
        body != null || headers != null || (method ?? 'GET').toUpperCase() !== 'GET';
      if (!locks || !channel || transport === 'native' || (perRequest && !options.shareRequests)) {
        return new Connection(url, connectionOptions);
      }
      const lifecycle =
        options.lifecycle === null
          ? {}
          : (options.lifecycle ?? {
              document: g.document,
              window:
                typeof globalThis.addEventListener === 'function'
                  ? (globalThis as EventTarget)
                  : undefined,
            });
      return new TabConnection(url, connectionOptions, {
        locks,
        channel,
        heartbeat: options.heartbeat ?? 500,
        timeout: options.timeout ?? 2000,
        clock: connectionOptions.clock ?? systemClock,
        lifecycle,
        name: `${options.namespace ?? 'sse-hooks'}:${streamName(url, connectionOptions)}`,
      });
    },
  };
}

/**
 * One connection per browser: every tab of the origin that opens the same stream with
 * `share: tabs` shares one network connection, held by a leader tab elected with the Web Locks
 * API. Events and state reach the other tabs over a `BroadcastChannel`; each tab's hooks behave
 * as with a connection of their own, and a tab's `close()` only takes that tab out.
 *
 * When the leader tab closes, crashes, navigates away or is frozen, the next tab takes the lock
 * and reconnects with the last event ID it has seen; every tab drops the events it already had
 * from the server's replay, so with a server that replays after `Last-Event-ID` no tab loses or
 * repeats an event. A frozen leader is replaced after `timeout` (2 s) without a heartbeat.
 *
 * Streams with a body, headers or another method than GET stay per tab unless
 * `createTabSharing({ shareRequests: true })` says otherwise. Where Web Locks or BroadcastChannel
 * are missing it is a plain per-tab connection, and `snapshot.shared` is false.
 *
 * @example
 * ```tsx
 * import { tabs } from 'sse-hooks/tabs';
 * const { lastMessage, shared, continuity } = useEventSource('/api/prices', { share: tabs });
 * // Or for every hook below a provider:
 * <EventSourceProvider options={{ share: tabs }}>…</EventSourceProvider>
 * ```
 */
export const tabs: ShareStrategy = /* @__PURE__ */ createTabSharing();

/** The stream's identity across tabs: what is sent, never functions or local objects. */
function streamName(url: string, options: ConnectionOptions): string {
  let absolute = url;
  try {
    absolute = new URL(url, (globalThis as { location?: { href: string } }).location?.href).href;
  } catch {
    // Kept as given: the connection reports the invalid URL itself.
  }
  const { headers } = options;
  return stableJson([
    absolute,
    (options.method ?? 'GET').toUpperCase(),
    typeof headers === 'function' ? 'fn' : headers,
    options.body,
    options.credentials ?? (options.withCredentials ? 'include' : 'same-origin'),
    options.lastEventIdParam,
  ]);
}
