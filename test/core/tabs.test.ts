import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { Connection, ConnectionRegistry, type StreamConnection } from 'sse-hooks/core';
import { TabConnection, createTabSharing } from 'sse-hooks/tabs';
import { FakeChannelHub, FakeLockManager } from '../helpers/fakeTabs.js';
import { ScriptedTransport, type ScriptedAttempt } from '../helpers/scriptedTransport.js';

const URL = 'http://h/events';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** Lets timers, channel deliveries and lock grants run. */
async function settle(ms = 50): Promise<void> {
  for (let i = 0; i < 10; i++) await vi.advanceTimersByTimeAsync(ms / 10);
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

interface FakeTab {
  conn: StreamConnection;
  ids: string[];
  opened: number[];
  doc: EventTarget;
  win: EventTarget;
  channels: ReturnType<FakeChannelHub['tab']>;
  client: number;
  crash(): void;
}

/** One browser: its locks, its channels, and a scripted server every leader connects to. */
function browser() {
  const locks = new FakeLockManager();
  const hub = new FakeChannelHub();
  const server = new ScriptedTransport();
  const tabs: FakeTab[] = [];
  function tab(options: Record<string, unknown> = {}): FakeTab {
    const lockClient = locks.client();
    const channels = hub.tab();
    const doc = new EventTarget();
    const win = new EventTarget();
    const share = createTabSharing({
      locks: lockClient,
      channel: channels.open,
      lifecycle: { document: doc, window: win },
    });
    const conn: StreamConnection = share.create(URL, { transport: server, ...options });
    const ids: string[] = [];
    const opened: number[] = [];
    conn.addEventListener('*', (m) => ids.push(m.lastEventId));
    conn.onOpen(() => opened.push(1));
    const t: FakeTab = {
      conn,
      ids,
      opened,
      doc,
      win,
      channels,
      client: lockClient.id,
      crash() {
        channels.crash();
        locks.crash(lockClient.id);
      },
    };
    tabs.push(t);
    return t;
  }
  const leaders = () => locks.holders((name) => !name.endsWith(':takeover'));
  const leader = () => {
    const held = leaders();
    expect(held).toHaveLength(1);
    return tabs.find((t) => t.client === held[0])!;
  };
  return { locks, hub, server, tab, tabs, leaders, leader };
}

/** The server: accepts the attempt and sends events with these ids (`type` cycles a, b). */
function serve(attempt: ScriptedAttempt, ids: number[], open = true): void {
  if (open) attempt.sink.open(URL);
  attempt.sink.chunk(
    ids.map((id) => `event: ${id % 2 ? 'a' : 'b'}\nid: ${id}\ndata: d${id}\n\n`).join(''),
  );
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

const lastEventIdOf = (attempt: ScriptedAttempt) => attempt.request.headers['Last-Event-ID'];

describe('tabs: one connection per browser', () => {
  it('8 tabs share one connection: every tab gets every event, the state and the last by type', async () => {
    const b = browser();
    const tabs = Array.from({ length: 8 }, () => b.tab());
    for (const t of tabs) t.conn.open();
    await settle();
    expect(b.server.attempts).toHaveLength(1);
    serve(b.server.last, [1, 2, 3, 4, 5]);
    await settle();
    for (const t of tabs) {
      expect(t.ids).toEqual(range(1, 5));
      const s = t.conn.getSnapshot();
      expect(s).toMatchObject({ status: 'open', readyState: 1, shared: true, lastEventId: '5' });
      expect(s.lastMessage?.data).toBe('d5');
      expect(t.conn.getLastEvent('b')?.data).toBe('d4');
      expect(t.opened).toEqual([1]);
    }
  });

  it('two tabs claiming in the same task elect one leader', async () => {
    const b = browser();
    const [x, y] = [b.tab(), b.tab()];
    x.conn.open();
    y.conn.open();
    await settle();
    expect(b.leaders()).toHaveLength(1);
    expect(b.server.attempts).toHaveLength(1);
    serve(b.server.last, [1]);
    await settle();
    expect(x.ids).toEqual(['1']);
    expect(y.ids).toEqual(['1']);
  });

  it('a leader leaving mid-event hands over: the next tab resumes from the last ID, nothing lost or repeated', async () => {
    const b = browser();
    const tabs = [b.tab(), b.tab(), b.tab()];
    for (const t of tabs) t.conn.open();
    await settle();
    const leader = b.leader();
    // The leader's tab closes its stream from inside the third event of a chunk of five.
    leader.conn.addEventListener('*', (m) => m.lastEventId === '3' && leader.conn.close());
    serve(b.server.last, [1, 2, 3, 4, 5]);
    await settle();
    expect(b.server.attempts).toHaveLength(2);
    expect(lastEventIdOf(b.server.last)).toBe('3');
    serve(b.server.last, [4, 5, 6]);
    await settle();
    for (const t of tabs) {
      if (t === leader) expect(t.ids).toEqual(range(1, 3));
      else {
        expect(t.ids).toEqual(range(1, 6));
        expect(t.conn.getSnapshot().continuity).toBe('resumed');
      }
    }
    expect(leader.conn.getSnapshot().status).toBe('closed');
    expect(b.server.attempts[0]!.request.signal.aborted).toBe(true);
  });

  it('a new leader that had not yet seen the last events: the tabs that had them drop the replay', async () => {
    const b = browser();
    const [x, y, z] = [b.tab(), b.tab(), b.tab()];
    for (const t of [x, y, z]) t.conn.open();
    await settle();
    const leader = b.leader();
    serve(b.server.last, [1, 2]);
    await settle();
    // Event 3 reaches the followers' channels after the lock: the next leader resumes from 2.
    serve(b.server.last, [3], false);
    leader.crash();
    // No goodbye from a crashed leader: the next one waits for it 250 ms.
    await settle(400);
    expect(b.server.attempts).toHaveLength(2);
    const from = lastEventIdOf(b.server.last);
    serve(b.server.last, [...(from === '2' ? [3] : []), 4, 5]);
    await settle();
    for (const t of [x, y, z].filter((t) => t !== leader)) expect(t.ids).toEqual(range(1, 5));
  });

  it('a follower joining mid-stream gets the state and last events by type, then every event', async () => {
    const b = browser();
    const first = b.tab();
    first.conn.open();
    await settle();
    serve(b.server.last, [1, 2, 3]);
    await settle();
    const late = b.tab();
    late.conn.open();
    await settle();
    const s = late.conn.getSnapshot();
    expect(s).toMatchObject({ status: 'open', lastEventId: '3', shared: true });
    expect(s.lastMessage?.data).toBe('d3');
    expect(late.conn.getLastEvent('b')?.data).toBe('d2');
    expect(late.ids).toEqual([]);
    serve(b.server.last, [4, 5], false);
    await settle();
    expect(late.ids).toEqual(['4', '5']);
    expect(late.conn.getSnapshot().continuity).toBe('continuous');
    expect(b.server.attempts).toHaveLength(1);
  });

  it('a crashed leader is replaced by the next tab, which resumes with Last-Event-ID', async () => {
    const b = browser();
    const tabs = [b.tab(), b.tab(), b.tab()];
    for (const t of tabs) t.conn.open();
    await settle();
    serve(b.server.last, [1, 2, 3]);
    await settle();
    const leader = b.leader();
    leader.crash();
    // No goodbye from a crashed leader: the next one waits for it 250 ms.
    await settle(400);
    expect(b.server.attempts).toHaveLength(2);
    expect(lastEventIdOf(b.server.last)).toBe('3');
    serve(b.server.last, [4, 5]);
    await settle();
    for (const t of tabs.filter((t) => t !== leader)) {
      expect(t.ids).toEqual(range(1, 5));
      expect(t.conn.getSnapshot()).toMatchObject({ status: 'open', continuity: 'resumed' });
    }
  });

  it('a silent leader is replaced after the timeout by exactly one tab; woken, it follows and misses nothing', async () => {
    const b = browser();
    const tabs = [b.tab(), b.tab(), b.tab(), b.tab()];
    for (const t of tabs) t.conn.open();
    await settle();
    serve(b.server.last, [1, 2]);
    await settle();
    const old = b.leader();
    // Its page stops (paused, frozen without notice): no heartbeat, the lock still held, and
    // what the others send it is lost.
    old.channels.hang({ drop: true });
    await settle(1900);
    expect(b.server.attempts).toHaveLength(1);
    await settle(700);
    expect(b.server.attempts).toHaveLength(2);
    expect(lastEventIdOf(b.server.last)).toBe('2');
    expect(b.leader()).not.toBe(old);
    serve(b.server.last, [3, 4, 5]);
    await settle();
    old.channels.wake();
    serve(b.server.last, [6], false);
    await settle(1500);
    expect(b.server.attempts).toHaveLength(2);
    for (const t of tabs) expect(t.ids).toEqual(range(1, 6));
    expect(old.conn.getSnapshot().continuity).toBe('resumed');
  });

  /**
   * Three tabs on a stream whose leader has sent events 1 and 2, and a tab that took over and
   * froze at once, keeping the takeover lock it held for a moment; then the leader hangs.
   */
  async function hangWithTakeoverLockStuck() {
    const b = browser();
    const tabs = [b.tab(), b.tab(), b.tab()];
    for (const t of tabs) t.conn.open();
    await settle();
    serve(b.server.last, [1, 2]);
    await settle();
    const old = b.leader();
    const frozenTab = b.locks.client();
    const lockName = `sse-hooks:${JSON.stringify([URL, 'GET', null, null, 'same-origin', null])}`;
    frozenTab
      .request(`${lockName}:takeover`, {}, () => new Promise<void>(() => {}))
      .catch(() => {});
    await settle(1);
    expect(b.locks.holders((name) => name.endsWith(':takeover'))).toEqual([frozenTab.id]);
    old.channels.hang({ drop: true });
    return { b, old };
  }

  it('a takeover lock held by a tab frozen just after its takeover blocks takeovers only for a while', async () => {
    const { b, old } = await hangWithTakeoverLockStuck();
    // The usual takeover (after 2 s of silence) cannot get the lock...
    await settle(2700);
    expect(b.server.attempts).toHaveLength(1);
    // ...and once the silence has lasted twice as long, a tab takes that lock too.
    await settle(2500);
    expect(b.server.attempts).toHaveLength(2);
    expect(lastEventIdOf(b.server.last)).toBe('2');
    expect(b.leader()).not.toBe(old);
  });

  it('two tabs that find the takeover lock stuck at the same moment make one new leader', async () => {
    // Both spread their steal to the same instant: the second takes the lock from the first
    // while the first is taking over.
    let k = 0;
    vi.spyOn(Math, 'random').mockImplementation(() => 0.5 + k++ * 1e-4);
    onTestFinished(() => {
      vi.restoreAllMocks();
    });
    const { b, old } = await hangWithTakeoverLockStuck();
    await settle(5200);
    expect(b.server.attempts).toHaveLength(2);
    expect(lastEventIdOf(b.server.last)).toBe('2');
    expect(b.leader()).not.toBe(old);
  });

  it('ignores an older leader that speaks after the others moved on', async () => {
    const b = browser();
    const [x, y] = [b.tab(), b.tab()];
    x.conn.open();
    y.conn.open();
    await settle();
    serve(b.server.last, [1, 2]);
    await settle();
    // A stale leader's message, on the stream's channel.
    const rogue = b.hub.tab();
    const lockName = `sse-hooks:${JSON.stringify([URL, 'GET', null, null, 'same-origin', null])}`;
    const channel = rogue.open(lockName);
    channel.postMessage({
      k: 'lead',
      e: 1,
      f: 'stale',
      r: '',
      n: 9,
      items: [{ t: 'ev', m: { type: 'a', data: 'stale', lastEventId: '99', origin: '' } }],
    });
    await settle();
    expect(x.ids).toEqual(['1', '2']);
    expect(y.ids).toEqual(['1', '2']);
  });

  it('a frozen leader hands over at once; resumed, it follows again', async () => {
    const b = browser();
    const tabs = [b.tab(), b.tab()];
    for (const t of tabs) t.conn.open();
    await settle();
    serve(b.server.last, [1]);
    await settle();
    const leader = b.leader();
    leader.doc.dispatchEvent(new Event('freeze'));
    await settle();
    expect(b.server.attempts).toHaveLength(2);
    expect(b.server.attempts[0]!.request.signal.aborted).toBe(true);
    expect(lastEventIdOf(b.server.last)).toBe('1');
    serve(b.server.last, [2]);
    await settle();
    leader.doc.dispatchEvent(new Event('resume'));
    serve(b.server.last, [3], false);
    await settle();
    for (const t of tabs) expect(t.ids).toEqual(['1', '2', '3']);
    expect(b.leader()).not.toBe(leader);
    // pagehide works the same way.
    b.leader().win.dispatchEvent(new Event('pagehide'));
    await settle();
    expect(b.server.attempts).toHaveLength(3);
  });

  it("a follower's close leaves the connection alone; the last tab's close ends it", async () => {
    const b = browser();
    const [x, y] = [b.tab(), b.tab()];
    x.conn.open();
    y.conn.open();
    await settle();
    const leader = b.leader();
    const follower = leader === x ? y : x;
    follower.conn.close();
    await settle();
    expect(follower.conn.getSnapshot().status).toBe('closed');
    expect(b.server.attempts).toHaveLength(1);
    expect(b.server.last.request.signal.aborted).toBe(false);
    serve(b.server.last, [1]);
    await settle();
    expect(follower.ids).toEqual([]);
    leader.conn.close();
    await settle();
    expect(b.server.last.request.signal.aborted).toBe(true);
    expect(b.server.attempts).toHaveLength(1);
    expect(b.leaders()).toEqual([]);
  });

  it('a stream without IDs cannot resume: a failover is a gap', async () => {
    const b = browser();
    const tabs = [b.tab(), b.tab()];
    for (const t of tabs) t.conn.open();
    await settle();
    b.server.last.sink.open(URL);
    b.server.last.sink.chunk('data: x\n\n');
    await settle();
    const crashed = b.leader();
    crashed.crash();
    await settle(400);
    const survivor = tabs.find((t) => t !== crashed)!;
    expect(survivor.ids).toEqual(['']);
    expect(b.server.attempts).toHaveLength(2);
    expect(lastEventIdOf(b.server.last)).toBeUndefined();
    expect(survivor.conn.getSnapshot().continuity).toBe('gap');
  });

  it('a permanent error reaches every tab, a new leader does not retry it, open() opens it again', async () => {
    const b = browser();
    const [x, y] = [b.tab(), b.tab()];
    const errors: string[] = [];
    x.conn.onError((e) => errors.push(`x:${e.type}:${e.status}`));
    y.conn.onError((e) => errors.push(`y:${e.type}:${e.status}`));
    x.conn.open();
    y.conn.open();
    await settle();
    const { SSEError } = await import('../../src/core/errors.js');
    b.server.last.sink.error(new SSEError('http', 'Unauthorized', { status: 401 }));
    await settle();
    expect(errors.sort()).toEqual(['x:http:401', 'y:http:401']);
    for (const t of [x, y]) {
      const s = t.conn.getSnapshot();
      expect(s.status).toBe('closed');
      expect(s.error?.status).toBe(401);
      expect(s.error?.willRetry).toBe(false);
    }
    // The leader's tab goes away: the next leader does not try again by itself.
    const crashed = b.leader();
    const survivor = crashed === x ? y : x;
    crashed.crash();
    await settle(400);
    expect(b.leaders()).toEqual([survivor.client]);
    expect(b.server.attempts).toHaveLength(1);
    expect(survivor.conn.getSnapshot().status).toBe('closed');
    // A tab that follows asks the leader to open it again.
    const z = b.tab();
    z.conn.open();
    await settle();
    expect(z.conn.getSnapshot()).toMatchObject({ status: 'closed', shared: true });
    expect(z.conn.getSnapshot().error?.status).toBe(401);
    z.conn.open();
    await settle();
    expect(b.server.attempts).toHaveLength(2);
    serve(b.server.last, [1]);
    await settle();
    expect(survivor.ids).toEqual(['1']);
    expect(z.ids).toEqual(['1']);
  });
});

describe('tabs: what is never shared, and the fallback', () => {
  const locks = new FakeLockManager().client();
  const channel = new FakeChannelHub().tab().open;

  it('without Web Locks or BroadcastChannel each tab has its own connection (shared: false)', () => {
    for (const options of [
      { locks: null, channel },
      { locks, channel: null },
    ]) {
      const conn = createTabSharing(options).create(URL, {});
      expect(conn).toBeInstanceOf(Connection);
      expect(conn.getSnapshot().shared).toBe(false);
    }
    // Node has no navigator.locks: the default strategy falls back by itself.
    expect(createTabSharing().create(URL, {})).toBeInstanceOf(Connection);
  });

  it('bodies, headers and methods other than GET stay per tab unless shareRequests is set', () => {
    const strategy = createTabSharing({ locks, channel });
    for (const options of [
      { method: 'POST', body: { q: 1 } },
      { headers: { Authorization: 'Bearer t' } },
      { headers: () => ({ Authorization: 'Bearer t' }) },
      { method: 'PUT' },
    ]) {
      expect(strategy.create(URL, options)).toBeInstanceOf(Connection);
      expect(
        createTabSharing({ locks, channel, shareRequests: true }).create(URL, options),
      ).toBeInstanceOf(TabConnection);
    }
    expect(strategy.create(URL, {})).toBeInstanceOf(TabConnection);
    expect(strategy.create(URL, { transport: 'native' })).toBeInstanceOf(Connection);
  });

  it('a registry hands out the strategy’s connection, keyed apart from unshared ones', () => {
    const share = createTabSharing({ locks, channel });
    const registry = new ConnectionRegistry();
    const shared = registry.acquire(URL, { share });
    expect(shared.connection).toBeInstanceOf(TabConnection);
    expect(registry.acquire(URL, { share }).connection).toBe(shared.connection);
    expect(registry.acquire(URL).connection).toBeInstanceOf(Connection);
    registry.closeAll();
  });
});
