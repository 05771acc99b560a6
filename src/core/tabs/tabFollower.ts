/**
 * A tab's side of a shared stream as the leader's broadcasts reach it: which leader to follow,
 * messages missed and asked for again, and the events a new leader's server replays, dropped so
 * that no tab delivers an event twice. The leader's own tab goes through the same path.
 */
import type { Clock } from '../clock.js';
import type { SSEError } from '../errors.js';
import { StreamBase } from '../streamBase.js';
import type { LeaderElection } from './leaderElection.js';
import { remember, replayAfter, replayed } from './replayFilter.js';
import type { Continuity, SSEMessage } from '../types.js';
import {
  errorReviver,
  toWire,
  type Epoch,
  type Item,
  type Lead,
  type Wire,
  type WireError,
  type WireState,
} from './wire.js';

/** How long a tab waits for the messages it missed before it gives them up as a gap, in ms. */
const RESEND_WAIT = 1000;

export abstract class TabFollower extends StreamBase {
  protected readonly tab = Math.random().toString(36).slice(2) + Date.now().toString(36);
  /** Events delivered in this tab. */
  protected received = 0;
  /** The leader followed. */
  #epoch: Epoch | null = null;
  /** The newest epoch seen, so a new leader's is newer still. */
  #maxEpoch = 0;
  /** The leader followed said goodbye (its last message). */
  #bye = false;
  /** The continuity the current leader's connection last published. */
  #leaderContinuity: Continuity = 'continuous';
  /** The number of the next message expected from the leader followed; 0 when unknown. */
  #expect = 0;

  /** Last event IDs of the latest events, oldest first, to drop a new leader's replay of them. */
  readonly #history: string[] = [];
  /** IDs still expected from the current leader's replay, in order: events this tab had. */
  #skip: string[] = [];
  /** The tab saw the stream open or an event: a leader change is then a resume or a gap. */
  #seen = false;
  /** Messages held while the ones missed before them are asked for again. */
  #held: Lead[] | null = null;
  #heldTimer: unknown;
  /** An event of the current leader reached this tab: late ones of an older leader are stale. */
  #movedOn = false;
  readonly #revive = errorReviver();

  /** The stream's clock. */
  protected abstract readonly clock: Clock;
  protected abstract post(message: Wire): void;
  /** A message only a leader answers. */
  protected abstract answer(message: Extract<Wire, { k: 'hello' | 'reopen' | 'resend' }>): void;
  /** Told of the leaders this tab hears from. */
  protected abstract readonly election: LeaderElection;

  /** The tab follows a leader that has not said goodbye yet. */
  protected get handingOver(): boolean {
    return this.#epoch !== null && !this.#bye;
  }

  /** The tab (re)joins the stream: events that went by while it was out are a gap. */
  protected rejoin(): void {
    this.#expect = 0;
    if (this.#seen) this.state.continuity = 'gap';
  }

  /** This tab leads now, in an epoch newer than any seen. */
  protected newEpoch(): Epoch {
    this.#switchEpoch(Math.max(this.clock.now(), this.#maxEpoch + 1), this.tab, this.lastEventId);
    return this.#epoch!;
  }

  /** A message of the stream's channel. */
  protected receive(message: Wire): void {
    switch (message.k) {
      case 'sync':
        return this.#synced(message);
      case 'resent':
        return this.#resent(message);
      case 'lead':
        return this.#fromLeader(message);
      default:
        return this.answer(message);
    }
  }

  /** A leader's message to this tab alone: the state as of its message `n`. */
  #synced(message: Extract<Wire, { k: 'sync' }>): void {
    if (message.to !== this.tab || !this.#accept(message)) return;
    // What follows message `n` is what this tab needs.
    this.#expect = Math.max(this.#expect, message.n + 1);
    this.lastByType.clear();
    for (const m of message.last) this.lastByType.set(m.type, m);
    this.state.lastMessage = message.m;
    remember(this.#history, message.s.lastEventId);
    this.apply({ t: 'st', s: message.s });
  }

  /** The leader's answer to a request for missed messages. */
  #resent(message: Extract<Wire, { k: 'resent' }>): void {
    if (message.to !== this.tab || !this.#held || !this.#accept(message)) return;
    this.#catchUp(message.sent);
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
      this.post({ k: 'resend', e: message.e, f: message.f, tab: this.tab, from: this.#expect });
      this.#heldTimer = this.clock.setTimeout(() => this.#catchUp([]), RESEND_WAIT);
      return;
    }
    this.#follow(message);
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
    this.#movedOn = false;
    if (this.#held) {
      this.clock.clearTimeout(this.#heldTimer);
      this.#held = null;
      this.#setContinuity('gap');
    }
    this.#maxEpoch = Math.max(this.#maxEpoch, e);
    this.#leaderContinuity = 'continuous';
    const skip = this.#seen ? replayAfter(this.#history, r) : null;
    this.#skip = skip ?? [];
    if (this.#seen) {
      this.#setContinuity(skip || (r !== '' && r === this.lastEventId) ? 'resumed' : 'gap');
    }
  }

  /** Applies one change of the leader's stream to this tab's. */
  protected apply(item: Item<SSEError | WireError>): void {
    switch (item.t) {
      case 'ev':
        return this.#event(item.m);
      case 'st':
        return this.#applyState(item.s);
      case 'open':
        return this.openListeners.emit();
      case 'err':
        return this.errorListeners.emit(this.#revive(item.x));
      case 'bye':
        this.#bye = true;
        return this.election.byeReceived();
    }
  }

  /** The state as the other tabs need it, for one that just joined. */
  protected wireState(): WireState<WireError> {
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

  #setContinuity(continuity: Continuity): void {
    // A gap stays a gap until the tab leaves: a later resume does not bring those events back.
    if (this.state.continuity === 'gap' && continuity === 'resumed') return;
    this.state.continuity = continuity;
  }

  /** Whether a leader's message is to be followed; a newer leader replaces the one followed. */
  #accept({ e, f, r }: Epoch): boolean {
    const current = this.#epoch;
    if (!current || current.e !== e || current.f !== f) {
      // An older leader (frozen, then resumed) speaks for a stream others have moved on from.
      if (current && (e < current.e || (e === current.e && f < current.f))) return false;
      this.election.deposed();
      this.#switchEpoch(e, f, r);
    }
    this.election.heard();
    return true;
  }

  /** Applies messages the leader sent again, then those held; what is still missing is a gap. */
  #catchUp(sent: Lead[]): void {
    this.clock.clearTimeout(this.#heldTimer);
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
    for (const item of message.items) this.apply(item);
  }

  #applyState(s: WireState<SSEError | WireError>): void {
    if (!this.#skip.length) this.lastEventId = s.lastEventId;
    if (s.continuity !== this.#leaderContinuity) {
      this.#leaderContinuity = s.continuity;
      if (this.#seen && s.continuity !== 'continuous') this.#setContinuity(s.continuity);
    }
    if (s.status === 'open') this.#seen = true;
    this.setStatus(s.status, s.attempt, s.nextRetryAt, s.error && this.#revive(s.error));
  }

  #event(message: SSEMessage, late = false): void {
    // Delivered now, expected again from the new leader's replay; or a replay of one delivered.
    if (late) this.#skip.push(message.lastEventId);
    else if (replayed(this.#skip, message.lastEventId)) return;
    if (!late) this.#movedOn = true;
    this.#seen = true;
    this.received++;
    remember(this.#history, message.lastEventId);
    this.lastEventId = message.lastEventId;
    this.fanOut(message);
  }
}
