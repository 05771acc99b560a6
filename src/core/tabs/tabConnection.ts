/**
 * A stream shared with the other tabs of the browser: the tab joins and leaves, takes part in the
 * election, and while it leads runs the {@link TabLeader}; everything else is following.
 */
import type { Clock } from '../clock.js';
import { INITIAL } from '../connection.js';
import type { ConnectionInspection, ConnectionOptions, StreamConnection } from '../types.js';
import { SSEError } from '../errors.js';
import { LeaderElection, type ElectionConfig } from './leaderElection.js';
import { watchLifecycle, type Lifecycle } from './pageLifecycle.js';
import { TabFollower } from './tabFollower.js';
import { TabLeader } from './tabLeader.js';
import type { TabChannel, Wire } from './wire.js';

/** How a {@link TabConnection} reaches the other tabs. */
export interface TabConfig extends ElectionConfig {
  channel: (name: string) => TabChannel;
  lifecycle: Lifecycle;
}

/**
 * A stream shared with the other tabs of the browser: one tab leads (holds the network
 * connection), the others follow its broadcasts. Made by {@link tabs}; behaves as a
 * `Connection`.
 */
export class TabConnection extends TabFollower implements StreamConnection {
  readonly url: string;
  readonly options: Readonly<ConnectionOptions>;

  readonly #cfg: TabConfig;
  protected readonly clock: Clock;
  protected readonly election: LeaderElection;
  /** This tab takes part in the stream (opened and not closed). */
  #joined = false;
  /** Frozen or hidden in the back/forward cache: out of the election until it comes back. */
  #frozen = false;
  #channel: TabChannel | null = null;
  /** The network connection and its broadcasts, while this tab leads. */
  #leader: TabLeader | null = null;
  #removeLifecycle: (() => void) | null = null;

  constructor(url: string, options: ConnectionOptions, config: TabConfig) {
    const { lastEventId: _, ...initial } = INITIAL;
    super({ ...initial, shared: true }, options.lastEventId ?? '');
    this.url = url;
    this.options = options;
    this.#cfg = config;
    this.clock = config.clock;
    this.election = new LeaderElection(config, {
      active: () => this.#joined && !this.#frozen,
      handingOver: () => this.handingOver,
      lead: () => this.#lead(),
      stepDown: () => {
        const leader = this.#leader;
        this.#leader = null;
        leader?.stop();
      },
    });
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
    const inner = this.#leader?.connection.inspect();
    return inner
      ? { ...inner, transport: `${inner.transport}, tab leader`, snapshot }
      : {
          url: this.url,
          method: (this.options.method ?? 'GET').toUpperCase(),
          transport: 'tab follower',
          snapshot,
          events: this.received,
          bytes: 0,
          history: [],
          lastEvents: [...this.lastByType.values()],
        };
  }

  /** In the leader tab, reconnects the network connection; a follower leaves that to the leader. */
  reconnect(): void {
    if (this.#leader) this.#leader.connection.reconnect();
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
      if (this.#leader) this.#leader.connection.open();
      else this.post({ k: 'reopen' });
      return;
    }
    this.#joined = true;
    this.rejoin();
    this.setStatus('connecting');
    const channel = (this.#channel = this.#cfg.channel(this.#cfg.name));
    channel.onmessage = (event) => {
      if (this.#joined) this.receive(event.data as Wire);
    };
    this.#removeLifecycle = watchLifecycle(
      this.#cfg.lifecycle,
      () => {
        if (!this.#joined || this.#frozen) return;
        this.#frozen = true;
        this.#leave();
      },
      () => {
        if (!this.#joined || !this.#frozen) return;
        this.#frozen = false;
        // Messages sent while frozen wait in the channel, or are asked for again if they are lost.
        this.election.enter();
      },
    );
    this.post({ k: 'hello', tab: this.tab });
    this.election.enter();
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
    this.setStatus('closed');
  }

  protected post(message: Wire): void {
    try {
      this.#channel?.postMessage(message);
    } catch {
      // A message that cannot be cloned (data never is; a custom origin might): the tabs that
      // miss it see a gap when the next one arrives.
    }
  }

  /** Gives up the lead (handing the stream over) and the place in the queue. */
  #leave(): void {
    this.#leader?.goodbye();
    this.election.leave();
  }

  #lead(): void {
    const epoch = this.newEpoch();
    const leader = new TabLeader(
      this.url,
      {
        ...this.options,
        share: undefined,
        signal: undefined,
        lastEventId: this.lastEventId || undefined,
      },
      epoch,
      this.#cfg.heartbeat,
      { post: (message) => this.post(message), apply: (item) => this.apply(item) },
    );
    this.#leader = leader;
    // A stream the previous leader gave up on (a permanent error, a 204) stays closed until a
    // tab calls open(): a new leader is no reason to try again.
    if (this.state.status === 'closed' && this.state.error) return;
    // Its first state (connecting) tells the other tabs who leads now.
    leader.connection.open();
  }

  protected answer(message: Extract<Wire, { k: 'hello' | 'reopen' | 'resend' }>): void {
    const leader = this.#leader;
    if (!leader) return;
    switch (message.k) {
      case 'hello':
        leader.flush();
        return this.post({
          k: 'sync',
          ...leader.epoch,
          to: message.tab,
          n: leader.seq,
          s: this.wireState(),
          m: this.state.lastMessage,
          last: [...this.lastByType.values()],
        });
      case 'reopen':
        if (leader.connection.getSnapshot().status === 'closed') leader.connection.open();
        return;
      case 'resend':
        if (leader.epoch.e === message.e && leader.epoch.f === message.f) {
          const sent = leader.sentSince(message.from);
          this.post({ k: 'resent', ...leader.epoch, to: message.tab, sent });
        }
    }
  }
}
