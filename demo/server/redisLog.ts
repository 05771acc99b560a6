import { Redis } from 'ioredis';
import type { EventHistory, StoredEvent } from './history.js';

export interface RedisLogOptions {
  /** `redis://host:port/db` */
  url: string;
  /** Prefix of the keys used; processes that share it share one event log. */
  key: string;
  /** Entries the stream keeps (trimmed approximately, never below this). */
  maxLength: number;
  log: (message: string) => void;
}

/**
 * Allocates the next id and appends the event under it, atomically, so ids are one gap-free
 * sequence across every process: SSE id `n` is stream entry `n-0`. The id never goes below the
 * stream's last entry or the caller's latest id: a Redis restarted without its data must not
 * issue ids that clients already hold.
 * KEYS: stream, sequence counter. ARGV: type, JSON data, max length, caller's latest id.
 */
const APPEND = `
local id = redis.call('INCR', KEYS[2])
local floor = tonumber(ARGV[4])
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if top[1] then
  local last = tonumber(string.match(top[1][1], '^(%d+)'))
  if last > floor then floor = last end
end
if floor >= id then
  id = floor + 1
  redis.call('SET', KEYS[2], id)
end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], id .. '-0', 'type', ARGV[1], 'data', ARGV[2])
return id
`;

/**
 * One process at a time runs the control panel's loop: the holder of a lease renewed on every
 * tick. Returns the next loop counter, or nil when another process holds the lease.
 * KEYS: lease, loop counter. ARGV: owner, lease ms.
 */
const TICK = `
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return false end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return redis.call('INCR', KEYS[2])
`;

interface Scripts {
  sseAppend(
    stream: string,
    seq: string,
    type: string,
    data: string,
    maxLength: number,
    floor: number,
  ): Promise<number>;
  sseTick(lease: string, counter: string, owner: string, leaseMs: number): Promise<number | null>;
}

type Entry = [id: string, fields: string[]];

function toEvent([id, fields]: Entry): StoredEvent | undefined {
  const n = Number(id.slice(0, id.indexOf('-')));
  let type: string | undefined;
  let raw: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'type') type = fields[i + 1];
    else if (fields[i] === 'data') raw = fields[i + 1];
  }
  if (!Number.isSafeInteger(n) || n < 1 || type === undefined || raw === undefined) return;
  try {
    const data = JSON.parse(raw) as unknown;
    if (typeof data !== 'object' || data === null) return;
    return { id: n, type, data: data as Record<string, unknown> };
  } catch {
    return undefined;
  }
}

const entryId = (afterId: number) => `(${afterId}-0`;

/**
 * The control-panel event log in a Redis stream, shared by every process that uses the same key:
 * `XADD` (through a script that also allocates the id) to append, `XRANGE` to replay what a
 * reconnecting client missed, and one `XREAD BLOCK` loop per process that copies new entries into
 * the process's in-memory history, from which its clients are served.
 */
export class RedisEventLog {
  private readonly client: Redis & Scripts;
  private readonly reader: Redis;
  private readonly keys: { stream: string; seq: string; lease: string; tick: string };
  private closed = false;
  /** Resolves on close: a read waiting for a connection that will not come is not awaited. */
  private readonly stopped: Promise<null>;
  private stop = () => {};
  private loop: Promise<void> | undefined;
  private lastError = '';
  /** The process's copy of the log, once started. */
  private history: EventHistory | undefined;

  constructor(private readonly options: RedisLogOptions) {
    const connection = {
      lazyConnect: true,
      connectTimeout: 5000,
      maxRetriesPerRequest: 2,
      retryStrategy: (times: number) => Math.min(100 * 2 ** times, 2000),
    };
    // Without a connection, appends and replays fail at once (the API answers 503) instead of
    // waiting in a queue for Redis to come back.
    this.client = new Redis(options.url, {
      ...connection,
      enableOfflineQueue: false,
    }) as Redis & Scripts;
    // XREAD BLOCK holds its connection: live events get one of their own, which waits for Redis.
    this.reader = new Redis(options.url, { ...connection, maxRetriesPerRequest: null });
    for (const redis of [this.client, this.reader]) {
      redis.on('error', (error: Error) => {
        // ioredis repeats a connection error on every retry; one line per distinct error.
        if (error.message === this.lastError || this.closed) return;
        this.lastError = error.message;
        options.log(`redis: ${error.message}`);
      });
      redis.on('ready', () => (this.lastError = ''));
    }
    this.stopped = new Promise((resolve) => (this.stop = () => resolve(null)));
    this.client.defineCommand('sseAppend', { numberOfKeys: 2, lua: APPEND });
    this.client.defineCommand('sseTick', { numberOfKeys: 2, lua: TICK });
    const prefix = options.key;
    this.keys = {
      stream: `${prefix}:events`,
      seq: `${prefix}:seq`,
      lease: `${prefix}:loop-owner`,
      tick: `${prefix}:loop-counter`,
    };
  }

  /**
   * Connects, loads the newest entries into `history` and starts copying new ones into it,
   * calling `onEvents` after each batch. Rejects when Redis cannot be reached.
   */
  async start(history: EventHistory, onEvents: () => void): Promise<void> {
    this.history = history;
    await this.connect(this.client, this.reader);
    const newest = (await this.client.xrevrange(
      this.keys.stream,
      '+',
      '-',
      'COUNT',
      history.capacity,
    )) as Entry[];
    for (const entry of newest.reverse()) {
      const event = toEvent(entry);
      if (event && event.id > history.latestId) history.push(event);
    }
    this.loop = this.follow(history, onEvents);
  }

  /**
   * Connects for appending only (no reader, no history), for a producer that writes to the log
   * without serving clients. Rejects when Redis cannot be reached.
   */
  connectWriter(): Promise<void> {
    return this.connect(this.client);
  }

  private async connect(...connections: Redis[]): Promise<void> {
    try {
      await Promise.all(connections.map((redis) => redis.connect()));
    } catch (error) {
      this.client.disconnect();
      this.reader.disconnect();
      throw new Error(
        `cannot reach Redis at ${this.options.url}: ${(error as Error).message || String(error)}`,
        { cause: error },
      );
    }
  }

  private async follow(history: EventHistory, onEvents: () => void): Promise<void> {
    let from = history.length > 0 ? `${history.latestId}-0` : '0-0';
    while (!this.closed) {
      let reply: [string, Entry[]][] | null;
      try {
        reply = (await Promise.race([
          this.reader.xread('COUNT', 1000, 'BLOCK', 2000, 'STREAMS', this.keys.stream, from),
          this.stopped,
        ])) as [string, Entry[]][] | null;
      } catch (error) {
        if (this.closed) break;
        this.options.log(`redis: reading new events failed: ${(error as Error).message}`);
        await Promise.race([new Promise((resolve) => setTimeout(resolve, 250)), this.stopped]);
        continue;
      }
      const entries = reply?.[0]?.[1];
      if (!entries || entries.length === 0) continue;
      for (const entry of entries) {
        from = entry[0];
        const event = toEvent(entry);
        if (!event || event.id <= history.latestId) continue;
        if (history.length > 0 && event.id !== history.latestId + 1) {
          this.options.log(
            `redis: events ${history.latestId + 1}..${event.id - 1} were trimmed before this process read them`,
          );
        }
        history.push(event);
      }
      onEvents();
    }
  }

  /** Appends an event under the next id; every process's reader then delivers it. */
  async append(type: string, data: Record<string, unknown>): Promise<StoredEvent> {
    const id = await this.client.sseAppend(
      this.keys.stream,
      this.keys.seq,
      type,
      JSON.stringify(data),
      this.options.maxLength,
      this.history?.latestId ?? 0,
    );
    return { id: Number(id), type, data };
  }

  /** Up to `limit` events after `afterId`; null when the stream no longer holds them. */
  async read(afterId: number, limit: number): Promise<StoredEvent[] | null> {
    const [oldest, entries] = await Promise.all([
      this.client.xrange(this.keys.stream, '-', '+', 'COUNT', 1) as Promise<Entry[]>,
      this.client.xrange(this.keys.stream, entryId(afterId), '+', 'COUNT', limit) as Promise<
        Entry[]
      >,
    ]);
    const first = oldest[0] ? toEvent(oldest[0]) : undefined;
    if (!first || afterId < first.id - 1) return null;
    return entries.map(toEvent).filter((e): e is StoredEvent => e !== undefined);
  }

  /** Whether a client that saw `id` can be given every event after it. */
  async covers(id: number): Promise<boolean> {
    const [latest, oldest] = await Promise.all([
      this.client.get(this.keys.seq),
      this.client.xrange(this.keys.stream, '-', '+', 'COUNT', 1) as Promise<Entry[]>,
    ]);
    const first = oldest[0] ? toEvent(oldest[0]) : undefined;
    return first !== undefined && id >= first.id - 1 && id <= Number(latest ?? 0);
  }

  /** The next loop counter when this process (`owner`) holds the loop's lease, else null. */
  async nextTick(owner: string, leaseMs: number): Promise<number | null> {
    const counter = await this.client.sseTick(
      this.keys.lease,
      this.keys.tick,
      owner,
      Math.max(1, Math.round(leaseMs)),
    );
    return counter === null ? null : Number(counter);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stop();
    this.reader.disconnect();
    await this.loop;
    // QUIT lets replies in flight arrive; without a connection it would wait for one.
    if (this.client.status === 'ready') await this.client.quit().catch(() => {});
    this.client.disconnect();
  }
}
