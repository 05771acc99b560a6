/**
 * Which tab leads a shared stream: the one holding the stream's Web Lock. A tab queues for the
 * lock when it joins; the lock passes on when the leader leaves, and a leader that falls silent
 * (frozen, hung) has it taken by the first tab whose watchdog fires.
 */

import type { Clock } from '../clock.js';

/** The part of the Web Locks API (`navigator.locks`) tab sharing uses. */
export interface TabLocks {
  request(
    name: string,
    options: { signal?: AbortSignal; steal?: boolean; ifAvailable?: boolean },
    callback: (lock: unknown) => unknown,
  ): Promise<unknown>;
}

export interface ElectionConfig {
  locks: TabLocks;
  /** The stream's lock. */
  name: string;
  /** A leader not heard from for this long (ms) is replaced. */
  timeout: number;
  /** How often a leader speaks, in ms. */
  heartbeat: number;
  /** The stream's clock: every wait of the election is on it. */
  clock: Clock;
}

/** What the election asks of the tab it runs in. */
export interface ElectionHost {
  /** The tab takes part in the stream and is not frozen: it may lead. */
  active(): boolean;
  /** The tab follows a leader that has not said goodbye yet. */
  handingOver(): boolean;
  /** Holding the lock: open the network connection. */
  lead(): void;
  /** Close the network connection; the lock is released right after. */
  stepDown(): void;
}

/** How long a tab granted the lock waits for the previous leader's goodbye, in ms. */
const HANDOVER_WAIT = 250;
/**
 * How long a tab that took over keeps the takeover lock: long enough for its first message to
 * reach the other tabs (a task or two), short enough that freezing it then is unlikely.
 */
const TAKEOVER_HOLD = 50;

const noop = () => {};

export class LeaderElection {
  readonly #cfg: ElectionConfig;
  readonly #host: ElectionHost;
  /** The lock request this tab has queued or holds. */
  #claim: AbortController | null = null;
  /** Releases the held lock. */
  #release: (() => void) | null = null;
  #watchdog: unknown;
  #lastHeard = 0;
  /** Between `host.lead()` and `host.stepDown()`. */
  #leading = false;
  #onBye: (() => void) | null = null;
  #byeTimer: unknown;

  constructor(config: ElectionConfig, host: ElectionHost) {
    this.#cfg = config;
    this.#host = host;
  }

  /** Queues for the lock and watches the leader. */
  enter(): void {
    this.#lastHeard = this.#cfg.clock.now();
    this.#enqueue();
    this.#arm();
  }

  /** Gives up the lead and the place in the queue. */
  leave(): void {
    this.stepDown();
    const claim = this.#claim;
    this.#claim = null;
    claim?.abort();
    this.#cfg.clock.clearTimeout(this.#watchdog);
  }

  /** The leader was heard from: the watchdog starts over. */
  heard(): void {
    this.#lastHeard = this.#cfg.clock.now();
    this.#arm();
  }

  /** A newer leader speaks: if this tab leads, its lock was taken. */
  deposed(): void {
    if (this.#leading) this.#lost(this.#claim, Object.assign(new Error(), { name: 'AbortError' }));
  }

  /** The leader followed said goodbye: a tab granted the lock need not wait any longer. */
  byeReceived(): void {
    this.#onBye?.();
  }

  /** Stops leading: closes the network connection and releases the lock. */
  stepDown(): void {
    this.#cfg.clock.clearTimeout(this.#byeTimer);
    this.#onBye = null;
    this.#leading = false;
    this.#host.stepDown();
    this.#release?.();
    this.#release = null;
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
    if (claim !== this.#claim || !this.#host.active()) return;
    return new Promise<void>((resolve) => {
      this.#release = resolve;
      const start = () => {
        this.#cfg.clock.clearTimeout(this.#byeTimer);
        this.#onBye = null;
        if (this.#release === resolve && !this.#leading) {
          this.#cfg.clock.clearTimeout(this.#watchdog);
          this.#leading = true;
          this.#host.lead();
        }
      };
      if (stolen || !this.#host.handingOver()) return start();
      this.#cfg.clock.clearTimeout(this.#watchdog);
      this.#onBye = start;
      this.#byeTimer = this.#cfg.clock.setTimeout(start, HANDOVER_WAIT);
    });
  }

  /** A lock request failed: aborted by this tab (nothing to do), or the held lock was stolen. */
  #lost(claim: AbortController | null, error: unknown): void {
    if (claim !== this.#claim) return;
    this.#claim = null;
    const wasLeader = this.#leading || !!this.#release;
    this.stepDown();
    // Only a stolen lock is worth queueing again; any other failure would repeat forever.
    if (wasLeader && (error as Error | null)?.name === 'AbortError' && this.#host.active()) {
      this.enter();
    }
  }

  /** No word from a leader within `timeout`: take the lock from it, one tab at a time. */
  #arm(): void {
    this.#cfg.clock.clearTimeout(this.#watchdog);
    if (!this.#host.active() || this.#leading) return;
    this.#watchdog = this.#cfg.clock.setTimeout(() => this.#takeOver(), this.#cfg.timeout);
  }

  #takeOver(): void {
    const { timeout, heartbeat } = this.#cfg;
    this.#arm();
    if (this.#cfg.clock.now() - this.#lastHeard < 2 * timeout) return this.#claimTakeover(false);
    // A tab frozen while it held the takeover lock would block every takeover after it: once
    // the silence has lasted twice the timeout, take that lock from it too. The tabs that all
    // find it stuck are spread over a heartbeat, so the first one's lead reaches the others
    // before they try.
    this.#cfg.clock.setTimeout(() => {
      if (this.#cfg.clock.now() - this.#lastHeard >= 2 * timeout) this.#claimTakeover(true);
    }, Math.random() * heartbeat);
  }

  /** Takes the takeover lock (from a stuck holder if `steal`), then the stream's lock. */
  #claimTakeover(steal: boolean): void {
    const { locks, name, timeout } = this.#cfg;
    // The request fails when another tab steals the lock from this one.
    let taken = false;
    locks
      .request(
        `${name}:takeover`,
        steal ? { steal: true } : { ifAvailable: true },
        async (lock) => {
          if (!lock || !this.#host.active() || this.#leading) return;
          // A lock taken from its holder may be another tab's that is taking over this very
          // moment, not a stuck one's: wait the time a taker holds it, and give up if a tab took
          // it from this one meanwhile (two tabs that steal at once) or a new leader spoke.
          if (steal) await this.#hold();
          // Another tab may have taken over while this one waited for the takeover lock.
          if (taken || this.#cfg.clock.now() - this.#lastHeard < timeout) return;
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
          await this.#hold();
        },
      )
      .catch(() => (taken = true));
  }

  #hold(): Promise<void> {
    return new Promise((done) => this.#cfg.clock.setTimeout(done, TAKEOVER_HOLD));
  }
}
