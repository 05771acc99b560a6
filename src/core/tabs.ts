import {
  Connection,
  INITIAL,
  type ConnectionInspection,
  type ConnectionOptions,
  type ShareStrategy,
  type StreamConnection,
} from './connection.js';
import { SSEError, type SSEErrorInit, type SSEErrorType } from './errors.js';
import { stableJson } from './registry.js';
import { ANY_EVENT, StreamBase } from './streamBase.js';
import type { ConnectionStatus, Continuity, SSEMessage } from './types.js';

/** The part of the Web Locks API (`navigator.locks`) tab sharing uses. */
export interface TabLocks {
  request(
    name: string,
    options: { signal?: AbortSignal; steal?: boolean; ifAvailable?: boolean },
    callback: (lock: unknown) => unknown,
  ): Promise<unknown>;
}

/** The part of a `BroadcastChannel` tab sharing uses. */
export interface TabChannel {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  close(): void;
}

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

/** Serialised {@link SSEError}: errors cross the channel as plain data. */
interface WireError {
  type: SSEErrorType;
  message: string;
  init: SSEErrorInit;
}

interface WireState<E> {
  status: ConnectionStatus;
  attempt: number;
  nextRetryAt: number | null;
  error: E | null;
  lastEventId: string;
  continuity: Continuity;
}

type Item<E = WireError> =
  | { t: 'ev'; m: SSEMessage }
  | { t: 'st'; s: WireState<E> }
  | { t: 'open' }
  | { t: 'err'; x: E }
  | { t: 'bye' };

/** What tabs say to each other on a stream's channel. */
type Wire =
  | { k: 'hello'; tab: string }
  | { k: 'reopen' }
  | { k: 'lead'; e: number; f: string; r: string; n: number; items: Item[] }
  | { k: 'resend'; e: number; f: string; tab: string; from: number }
  | { k: 'resent'; e: number; f: string; r: string; to: string; sent: Lead[] }
  | {
      k: 'sync';
      e: number;
      f: string;
      r: string;
      to: string;
      n: number;
      s: WireState<WireError>;
      m: SSEMessage | null;
      last: SSEMessage[];
    };

type Lead = Extract<Wire, { k: 'lead' }>;

/**
 * How many of its latest messages, and at most how many events in them, a leader keeps for tabs
 * that missed some (paused, frozen).
 */
const RESEND = 512;
const RESEND_EVENTS = 4096;

/** How long a tab waits for the messages it missed before it gives them up as a gap, in ms. */
const RESEND_WAIT = 1000;

/** How long a tab granted the lock waits for the previous leader's goodbye, in ms. */
const HANDOVER_WAIT = 250;
/**
 * How long a tab that took over keeps the takeover lock: long enough for its first message to
 * reach the other tabs (a task or two), short enough that freezing it then is unlikely.
 */
const TAKEOVER_HOLD = 50;

/** How many event IDs a tab remembers to recognise events a new leader's server replays. */
const HISTORY = 256;

interface Config {
  locks: TabLocks;
  channel: (name: string) => TabChannel;
  heartbeat: number;
  timeout: number;
  lifecycle: { document?: EventTarget | undefined; window?: EventTarget | undefined };
  name: string;
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

const noop = () => {};

/** Runs `fn` from a fresh task, so timers set by it are not "chained" ones browsers throttle hard. */
function hop(fn: () => void): void {
  if (typeof MessageChannel === 'undefined' || typeof document === 'undefined') return fn();
  const { port1, port2 } = new MessageChannel();
  port1.onmessage = () => {
    port1.close();
    fn();
  };
  port2.postMessage(0);
}

function toWire(error: SSEError): WireError {
  const { type, message, status, contentType, willRetry, retryAfterMs, code, body } = error;
  return { type, message, init: { status, contentType, willRetry, retryAfterMs, code, body } };
}

/**
 * A stream shared with the other tabs of the browser: one tab leads (holds the network
 * connection), the others follow its broadcasts. Made by {@link tabs}; behaves as a
 * {@link Connection}.
 */
export class TabConnection extends StreamBase implements StreamConnection {
  readonly url: string;
  readonly options: Readonly<ConnectionOptions>;

  readonly #cfg: Config;
  readonly #tab = Math.random().toString(36).slice(2) + Date.now().toString(36);
  /** Events delivered in this tab. */
  #received = 0;

  /** This tab takes part in the stream (opened and not closed). */
  #joined = false;
  /** Frozen or hidden in the back/forward cache: out of the election until it comes back. */
  #frozen = false;
  #channel: TabChannel | null = null;
  /** The lock request this tab has queued or holds. */
  #claim: AbortController | null = null;
  /** Releases the held lock. */
  #release: (() => void) | null = null;
  /** The network connection, while this tab leads. */
  #inner: Connection | null = null;
  #innerOff: (() => void)[] = [];
  /** The inner state last broadcast, to send state only when it changed. */
  #sent: WireState<SSEError> | null = null;
  #sentMessage: SSEMessage | null = null;
  #outbox: Item[] = [];
  #flushQueued = false;
  #beatTimer: ReturnType<typeof setTimeout> | undefined;
  #watchdog: ReturnType<typeof setTimeout> | undefined;
  #lastHeard = 0;
  #removeLifecycle: (() => void) | null = null;

  /** The leader followed: epoch (a time, newer wins), its tab, and the ID it resumed from. */
  #epoch: { e: number; f: string; r: string } | null = null;
  /** The newest epoch seen, so a new leader's is newer still. */
  #maxEpoch = 0;
  /** Last event IDs of the latest events, oldest first, to drop a new leader's replay of them. */
  #history: string[] = [];
  /** IDs still expected from the current leader's replay, in order: events this tab had. */
  #skip: string[] = [];
  /** The tab saw the stream open or an event: a leader change is then a resume or a gap. */
  #seen = false;
  /** The continuity the current leader's connection last published. */
  #leaderContinuity: Continuity = 'continuous';
  /** Messages this tab sent as leader, the latest {@link RESEND}, numbered from 1 per epoch. */
  #log: Lead[] = [];
  /** Items in `#log`. */
  #logItems = 0;
  /** The number of the next message expected from the leader followed; 0 when unknown. */
  #expect = 0;
  /** The number of the last message sent as leader. */
  #seq = 0;
  /** Messages held while the ones missed before them are asked for again. */
  #held: Lead[] | null = null;
  #heldTimer: ReturnType<typeof setTimeout> | undefined;
  /** An event of the current leader reached this tab: late ones of an older leader are stale. */
  #movedOn = false;
  /** The leader followed said goodbye (its last message). */
  #bye = false;
  #onBye: (() => void) | null = null;
  #byeTimer: ReturnType<typeof setTimeout> | undefined;
  #errorKey = '';
  #error: SSEError | null = null;

  constructor(url: string, options: ConnectionOptions, config: Config) {
    const { lastEventId: _, ...initial } = INITIAL;
    super({ ...initial, shared: true }, options.lastEventId ?? '');
    this.url = url;
    this.options = options;
    this.#cfg = config;
    options.signal?.addEventListener('abort', () => {
      if (!this.#joined) return;
      this.close();
      this.state.error = new SSEError('aborted', 'The stream was aborted by its signal');
      this.changed();
    });
  }

  /**
   * In the leader tab, the network connection's inspection; in a follower, what reached this tab
   * (no bytes, no failures: those happen in the leader). The transport says which.
   */
  inspect(): ConnectionInspection {
    const snapshot = this.getSnapshot();
    const inner = this.#inner?.inspect();
    return inner
      ? { ...inner, transport: `${inner.transport}, tab leader`, snapshot }
      : {
          url: this.url,
          method: (this.options.method ?? 'GET').toUpperCase(),
          transport: 'tab follower',
          snapshot,
          events: this.#received,
          bytes: 0,
          history: [],
          lastEvents: [...this.lastByType.values()],
        };
  }

  /** In the leader tab, reconnects the network connection; a follower leaves that to the leader. */
  reconnect(): void {
    if (this.#inner) this.#inner.reconnect();
    else if (!this.#joined) this.open();
  }

  /**
   * Joins the shared stream. In a tab that already takes part, opens it again after the leader
   * gave up (a permanent error), for every tab.
   */
  open(): void {
    if (this.options.signal?.aborted) return;
    if (this.#joined) {
      if (this.state.status !== 'closed') return;
      if (this.#inner) this.#inner.open();
      else this.#post({ k: 'reopen' });
      return;
    }
    this.#joined = true;
    this.#expect = 0;
    const state = this.state;
    // Events went by while this tab was out: it cannot get them back.
    if (this.#seen) state.continuity = 'gap';
    state.status = 'connecting';
    state.readyState = 0;
    state.attempt = 0;
    state.nextRetryAt = null;
    this.changed();
    const channel = (this.#channel = this.#cfg.channel(this.#cfg.name));
    channel.onmessage = (event) => this.#receive(event.data as Wire);
    this.#listenLifecycle();
    this.#enter();
  }

  /** Takes this tab out of the stream; the others keep it (a leader hands its connection over). */
  close(): void {
    if (!this.#joined) return;
    this.#leave();
    this.#joined = false;
    this.#frozen = false;
    this.#channel?.close();
    this.#channel = null;
    this.#removeLifecycle?.();
    this.#removeLifecycle = null;
    const state = this.state;
    state.status = 'closed';
    state.readyState = 2;
    state.attempt = 0;
    state.nextRetryAt = null;
    this.changed();
  }

  /** Asks for the current state, queues for the lock and watches the leader. */
  #enter(hello = true): void {
    if (hello) this.#post({ k: 'hello', tab: this.#tab });
    this.#lastHeard = Date.now();
    this.#enqueue();
    this.#arm();
  }

  /** Gives up the lead (handing the stream over) and the place in the queue. */
  #leave(): void {
    if (this.#inner) {
      this.#emit({ t: 'bye' });
      this.#flush();
    }
    this.#stepDown();
    const claim = this.#claim;
    this.#claim = null;
    claim?.abort();
    clearTimeout(this.#watchdog);
  }

  #enqueue(): void {
    const claim = (this.#claim = new AbortController());
    this.#cfg.locks
      .request(this.#cfg.name, { signal: claim.signal }, () => this.#lead(claim))
      .then(noop, (error: unknown) => this.#lost(claim, error));
  }

  /**
   * Holds the lock until released: this tab leads. Handed over by a leader that was heard from,
   * it first waits (at most {@link HANDOVER_WAIT} ms) for that leader's goodbye, which follows its
   * last events: the lock can be granted before they arrive, and resuming from an older ID would
   * cost a server without replay those events.
   */
  #lead(claim: AbortController, stolen = false): Promise<void> | void {
    if (claim !== this.#claim || !this.#joined || this.#frozen) return;
    return new Promise<void>((resolve) => {
      this.#release = resolve;
      const start = () => {
        clearTimeout(this.#byeTimer);
        this.#onBye = null;
        if (this.#release === resolve && !this.#inner) this.#becomeLeader();
      };
      if (stolen || !this.#epoch || this.#bye) return start();
      clearTimeout(this.#watchdog);
      this.#onBye = start;
      this.#byeTimer = setTimeout(start, HANDOVER_WAIT);
    });
  }

  /** A lock request failed: aborted by this tab (nothing to do), or the held lock was stolen. */
  #lost(claim: AbortController, error: unknown): void {
    if (claim !== this.#claim) return;
    this.#claim = null;
    const wasLeader = !!this.#inner || !!this.#release;
    this.#stepDown();
    // Only a stolen lock is worth queueing again; any other failure would repeat forever.
    if (wasLeader && (error as Error | null)?.name === 'AbortError' && this.#joined) {
      if (!this.#frozen) this.#enter(false);
    }
  }

  /** No word from a leader within `timeout`: take the lock from it, one tab at a time. */
  #arm(): void {
    clearTimeout(this.#watchdog);
    if (!this.#joined || this.#frozen || this.#inner) return;
    this.#watchdog = setTimeout(() => this.#takeOver(), this.#cfg.timeout);
  }

  #takeOver(): void {
    const { timeout, heartbeat } = this.#cfg;
    this.#arm();
    if (Date.now() - this.#lastHeard < 2 * timeout) return this.#claimTakeover(false);
    // A tab frozen while it held the takeover lock would block every takeover after it: once
    // the silence has lasted twice the timeout, take that lock from it too. The tabs that all
    // find it stuck are spread over a heartbeat, so the first one's lead reaches the others
    // before they try.
    setTimeout(() => {
      if (Date.now() - this.#lastHeard >= 2 * timeout) this.#claimTakeover(true);
    }, Math.random() * heartbeat);
  }

  /** Takes the takeover lock (from a stuck holder if `steal`), then the stream's lock. */
  #claimTakeover(steal: boolean): void {
    const { locks, name, timeout } = this.#cfg;
    locks
      .request(
        `${name}:takeover`,
        steal ? { steal: true } : { ifAvailable: true },
        async (lock) => {
          if (!lock || !this.#joined || this.#frozen || this.#inner) return;
          // Another tab may have taken over while this one waited for the takeover lock.
          if (Date.now() - this.#lastHeard < timeout) return;
          this.#claim?.abort();
          const claim = (this.#claim = new AbortController());
          await new Promise<void>((granted) => {
            locks
              .request(name, { steal: true }, () => {
                granted();
                return this.#lead(claim, true);
              })
              .then(noop, (error: unknown) => {
                granted();
                this.#lost(claim, error);
              });
          });
          // Held a moment longer, so that tabs whose watchdog fired with this one's hear the new
          // leader before they may try. Only a moment: a page frozen while it holds this lock
          // keeps it until the others take it.
          await new Promise((done) => setTimeout(done, TAKEOVER_HOLD));
        },
      )
      .catch(noop);
  }

  #becomeLeader(): void {
    clearTimeout(this.#watchdog);
    const e = Math.max(Date.now(), this.#maxEpoch + 1);
    this.#switchEpoch(e, this.#tab, this.lastEventId);
    const inner = new Connection(this.url, {
      ...this.options,
      share: undefined,
      signal: undefined,
      lastEventId: this.lastEventId || undefined,
    });
    this.#inner = inner;
    this.#sent = null;
    this.#sentMessage = null;
    this.#innerOff = [
      inner.subscribe(() => this.#innerChanged()),
      inner.addEventListener(ANY_EVENT, (m) => {
        this.#sentMessage = m;
        this.#emit({ t: 'ev', m });
      }),
      inner.onOpen(() => this.#emit({ t: 'open' })),
      inner.onError((error) => this.#emit({ t: 'err', x: toWire(error) }, { t: 'err', x: error })),
    ];
    this.#beat();
    // A stream the previous leader gave up on (a permanent error, a 204) stays closed until a
    // tab calls open(): a new leader is no reason to try again.
    if (this.state.status === 'closed' && this.state.error) return;
    // Its first state (connecting) tells the other tabs who leads now.
    inner.open();
  }

  /** Stops leading: closes the network connection and releases the lock. */
  #stepDown(): void {
    clearTimeout(this.#byeTimer);
    this.#onBye = null;
    const inner = this.#inner;
    if (inner) {
      this.#inner = null;
      for (const off of this.#innerOff) off();
      this.#innerOff = [];
      inner.close();
      clearTimeout(this.#beatTimer);
      this.#outbox = [];
    }
    this.#release?.();
    this.#release = null;
  }

  #beat(): void {
    this.#beatTimer = setTimeout(() => {
      if (!this.#inner) return;
      if (!this.#outbox.length) this.#send([]);
      hop(() => this.#inner && this.#beat());
    }, this.#cfg.heartbeat);
  }

  /** The leader's connection changed state: broadcast what the events do not already say. */
  #innerChanged(): void {
    const snapshot = this.#inner!.getSnapshot();
    const prev = this.#sent;
    const idOnly =
      snapshot.lastMessage === this.#sentMessage && snapshot.lastEventId !== prev?.lastEventId;
    if (
      prev &&
      !idOnly &&
      prev.status === snapshot.status &&
      prev.attempt === snapshot.attempt &&
      prev.nextRetryAt === snapshot.nextRetryAt &&
      prev.error === snapshot.error &&
      prev.continuity === snapshot.continuity
    ) {
      return;
    }
    const s: WireState<SSEError> = {
      status: snapshot.status,
      attempt: snapshot.attempt,
      nextRetryAt: snapshot.nextRetryAt,
      error: snapshot.error,
      lastEventId: snapshot.lastEventId,
      continuity: snapshot.continuity,
    };
    this.#sent = s;
    this.#emit({ t: 'st', s: { ...s, error: s.error && toWire(s.error) } }, { t: 'st', s });
  }

  /** Applies an item in this tab and queues it for the others (one message per task). */
  #emit(item: Item, local: Item<SSEError | WireError> = item): void {
    // Queued first: a listener that closes this tab's stream flushes it with the goodbye.
    this.#outbox.push(item);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(() => this.#flush());
    }
    this.#apply(local);
  }

  #flush(): void {
    this.#flushQueued = false;
    const items = this.#outbox;
    if (!items.length) return;
    this.#outbox = [];
    this.#send(items);
  }

  #send(items: Item[]): void {
    const epoch = this.#epoch;
    if (!epoch || !this.#inner) return;
    const message: Lead = { k: 'lead', ...epoch, n: ++this.#seq, items };
    const log = this.#log;
    log.push(message);
    this.#logItems += items.length;
    while (log.length > RESEND || this.#logItems > RESEND_EVENTS) {
      this.#logItems -= log.shift()!.items.length;
    }
    this.#post(message);
  }

  #post(message: Wire): void {
    try {
      this.#channel?.postMessage(message);
    } catch {
      // A message that cannot be cloned (data never is; a custom origin might): the tabs that
      // miss it see a gap when the next one arrives.
    }
  }

  #receive(message: Wire): void {
    if (!this.#joined) return;
    switch (message.k) {
      case 'hello':
        if (this.#inner && this.#epoch) {
          this.#flush();
          const s = this.#wireState();
          this.#post({
            k: 'sync',
            ...this.#epoch,
            to: message.tab,
            n: this.#seq,
            s,
            m: this.state.lastMessage,
            last: [...this.lastByType.values()],
          });
        }
        return;
      case 'reopen':
        if (this.#inner?.getSnapshot().status === 'closed') this.#inner.open();
        return;
      case 'sync':
        if (message.to !== this.#tab || !this.#accept(message)) return;
        // The state as of message `n`: what follows is what this tab needs.
        this.#expect = Math.max(this.#expect, message.n + 1);
        this.lastByType.clear();
        for (const m of message.last) this.lastByType.set(m.type, m);
        this.state.lastMessage = message.m;
        this.#remember(message.s.lastEventId);
        this.#apply({ t: 'st', s: message.s });
        return;
      case 'resend':
        if (this.#inner && this.#epoch?.e === message.e && this.#epoch.f === message.f) {
          this.#flush();
          const sent = this.#log.filter((m) => m.n >= message.from);
          this.#post({ k: 'resent', ...this.#epoch, to: message.tab, sent });
        }
        return;
      case 'resent':
        if (message.to !== this.#tab || !this.#held || !this.#accept(message)) return;
        return this.#catchUp(message.sent);
      case 'lead':
        return this.#fromLeader(message);
    }
  }

  #fromLeader(message: Lead): void {
    if (!this.#accept(message)) {
      // An older leader's last events, sent before it was replaced, may arrive after the new
      // leader's first message: until this tab has an event of the new one, they are new here
      // and the new leader's server will replay them.
      if (!this.#movedOn) {
        for (const item of message.items) if (item.t === 'ev') this.#event(item.m, true);
      }
      return;
    }
    if (this.#held) {
      this.#held.push(message);
      return;
    }
    // Messages a paused or frozen tab was sent may never reach it: ask the leader for them.
    const missed = this.#expect > 0 && message.n > this.#expect;
    if (missed) {
      this.#held = [message];
      this.#post({ k: 'resend', e: message.e, f: message.f, tab: this.#tab, from: this.#expect });
      this.#heldTimer = setTimeout(() => this.#catchUp([]), RESEND_WAIT);
      return;
    }
    this.#follow(message);
  }

  /** Applies messages the leader sent again, then those held; what is still missing is a gap. */
  #catchUp(sent: Lead[]): void {
    clearTimeout(this.#heldTimer);
    const held = this.#held ?? [];
    this.#held = null;
    for (const message of [...sent, ...held]) {
      if (message.n < this.#expect) continue;
      if (message.n > this.#expect) this.#setContinuity('gap');
      this.#follow(message);
    }
  }

  #follow(message: Lead): void {
    this.#expect = message.n + 1;
    for (const item of message.items) this.#apply(item);
  }

  /** Whether a leader's message is to be followed; a newer leader replaces the one followed. */
  #accept({ e, f, r }: { e: number; f: string; r: string }): boolean {
    const current = this.#epoch;
    if (!current || current.e !== e || current.f !== f) {
      // An older leader (frozen, then resumed) speaks for a stream others have moved on from.
      if (current && (e < current.e || (e === current.e && f < current.f))) return false;
      // A newer one: this tab's lock was taken while it led.
      if (this.#inner) this.#lost(this.#claim!, Object.assign(new Error(), { name: 'AbortError' }));
      this.#switchEpoch(e, f, r);
    }
    this.#lastHeard = Date.now();
    this.#arm();
    return true;
  }

  /**
   * Follows a new leader that resumed from `r`: the events this tab had after `r` are expected
   * again from its server and dropped; without `r` in this tab's history, there is a gap.
   */
  #switchEpoch(e: number, f: string, r: string): void {
    this.#epoch = { e, f, r };
    this.#bye = false;
    // A tab that followed the stream needs every message of the new leader.
    this.#expect = this.#seen ? 1 : 0;
    this.#seq = 0;
    this.#movedOn = false;
    this.#log = [];
    this.#logItems = 0;
    if (this.#held) {
      clearTimeout(this.#heldTimer);
      this.#held = null;
      this.#setContinuity('gap');
    }
    this.#maxEpoch = Math.max(this.#maxEpoch, e);
    this.#leaderContinuity = 'continuous';
    this.#skip = [];
    if (!this.#seen) return;
    const at = r ? this.#history.lastIndexOf(r) : -1;
    if (at >= 0) this.#skip = this.#history.slice(at + 1);
    this.#setContinuity(at >= 0 || (r !== '' && r === this.lastEventId) ? 'resumed' : 'gap');
  }

  #setContinuity(continuity: Continuity): void {
    // A gap stays a gap until the tab leaves: a later resume does not bring those events back.
    if (this.state.continuity === 'gap' && continuity === 'resumed') return;
    this.state.continuity = continuity;
  }

  #apply(item: Item<SSEError | WireError>): void {
    switch (item.t) {
      case 'ev':
        return this.#event(item.m);
      case 'st': {
        const { s } = item;
        const state = this.state;
        state.status = s.status;
        state.readyState = s.status === 'open' ? 1 : s.status === 'closed' ? 2 : 0;
        state.attempt = s.attempt;
        state.nextRetryAt = s.nextRetryAt;
        state.error = s.error && this.#revive(s.error);
        if (!this.#skip.length) this.lastEventId = s.lastEventId;
        if (s.continuity !== this.#leaderContinuity) {
          this.#leaderContinuity = s.continuity;
          if (this.#seen && s.continuity !== 'continuous') this.#setContinuity(s.continuity);
        }
        if (s.status === 'open') this.#seen = true;
        return this.changed();
      }
      case 'open':
        return this.openListeners.emit();
      case 'err':
        return this.errorListeners.emit(this.#revive(item.x));
      case 'bye':
        this.#bye = true;
        return this.#onBye?.();
    }
  }

  /** One error object per error, however many messages carry it. */
  #revive(error: SSEError | WireError): SSEError {
    if (error instanceof SSEError) return (this.#error = error);
    const key = JSON.stringify(error);
    if (key !== this.#errorKey || !this.#error) {
      this.#errorKey = key;
      this.#error = new SSEError(error.type, error.message, error.init);
    }
    return this.#error;
  }

  #event(message: SSEMessage, late = false): void {
    const skip = this.#skip;
    if (late) {
      // Delivered now, expected again from the new leader's replay.
      skip.push(message.lastEventId);
    } else if (skip.length) {
      // The new leader's server replays what this tab already delivered (some of it may not
      // have reached this tab from the new leader: look for it in all that is expected).
      const at = skip.indexOf(message.lastEventId);
      if (at >= 0) {
        skip.splice(0, at + 1);
        return;
      }
      this.#skip = [];
    }
    if (!late) this.#movedOn = true;
    this.#seen = true;
    this.#received++;
    this.#remember(message.lastEventId);
    this.lastEventId = message.lastEventId;
    this.fanOut(message);
  }

  #remember(lastEventId: string): void {
    const history = this.#history;
    history.push(lastEventId);
    if (history.length > HISTORY * 2) history.splice(0, history.length - HISTORY);
  }

  #wireState(): WireState<WireError> {
    const state = this.state;
    return {
      status: state.status,
      attempt: state.attempt,
      nextRetryAt: state.nextRetryAt,
      error: state.error && toWire(state.error),
      lastEventId: this.lastEventId,
      continuity: this.#leaderContinuity,
    };
  }

  #listenLifecycle(): void {
    const { document: doc, window: win } = this.#cfg.lifecycle;
    const away = () => {
      if (!this.#joined || this.#frozen) return;
      this.#frozen = true;
      this.#leave();
    };
    const back = () => {
      if (!this.#joined || !this.#frozen) return;
      this.#frozen = false;
      // Messages sent while frozen wait in the channel, or are asked for again if they are lost.
      this.#enter(false);
    };
    doc?.addEventListener('freeze', away);
    doc?.addEventListener('resume', back);
    win?.addEventListener('pagehide', away);
    win?.addEventListener('pageshow', back);
    this.#removeLifecycle = () => {
      doc?.removeEventListener('freeze', away);
      doc?.removeEventListener('resume', back);
      win?.removeEventListener('pagehide', away);
      win?.removeEventListener('pageshow', back);
    };
  }
}
