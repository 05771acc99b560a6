import fs from 'node:fs';
import path from 'node:path';

/** One control-panel event as it went over the wire: its id, its SSE event name and its payload. */
export interface StoredEvent {
  id: number;
  type: string;
  data: Record<string, unknown>;
}

/**
 * A fixed-size ring of the most recent events, ordered by id.
 *
 * Ids come from one increasing sequence and every allocated id is stored, so a client that saw id
 * `k` can be given exactly the events after `k` as long as `k` is still covered by the ring.
 */
export class EventHistory {
  private readonly ring: (StoredEvent | undefined)[];
  private start = 0;
  private size = 0;
  /** The highest id ever allocated (also after the event fell out of the ring). */
  latestId = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`history size must be a positive integer, got ${capacity}`);
    }
    this.ring = new Array<StoredEvent | undefined>(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** Id of the oldest event still held, or undefined when empty. */
  get oldestId(): number | undefined {
    return this.size === 0 ? undefined : this.at(0).id;
  }

  push(event: StoredEvent): void {
    if (event.id <= this.latestId && this.size > 0) {
      throw new RangeError(`event id ${event.id} is not above the latest id ${this.latestId}`);
    }
    if (this.size < this.capacity) {
      this.ring[(this.start + this.size) % this.capacity] = event;
      this.size += 1;
    } else {
      this.ring[this.start] = event;
      this.start = (this.start + 1) % this.capacity;
    }
    this.latestId = event.id;
  }

  /**
   * The events after `lastId`, oldest first; `[]` when `lastId` is the latest id; `null` when the
   * id is unknown (never issued, malformed, or already evicted) so a lossless replay is impossible.
   */
  since(lastId: string): StoredEvent[] | null {
    if (!/^\d{1,15}$/.test(lastId)) return null;
    const id = Number(lastId);
    if (id === this.latestId) return [];
    if (this.size === 0 || id > this.latestId) return null;
    const oldest = this.at(0).id;
    // The id just before the oldest held one is still resumable: everything after it is held.
    if (id === oldest - 1) return this.toArray();
    const index = this.indexOf(id);
    if (index < 0) return null;
    const out: StoredEvent[] = [];
    for (let i = index + 1; i < this.size; i++) out.push(this.at(i));
    return out;
  }

  /**
   * Up to `limit` events after id `afterId`, oldest first: `[]` when nothing newer is held yet,
   * `null` when events after `afterId` have already fallen out of the ring.
   */
  after(afterId: number, limit: number): StoredEvent[] | null {
    if (this.size === 0 || afterId >= this.latestId) return [];
    if (afterId < this.at(0).id - 1) return null;
    // First held id above afterId (ids increase along the ring).
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.at(mid).id <= afterId) lo = mid + 1;
      else hi = mid;
    }
    const out: StoredEvent[] = [];
    for (let i = lo; i < this.size && out.length < limit; i++) out.push(this.at(i));
    return out;
  }

  toArray(): StoredEvent[] {
    const out: StoredEvent[] = [];
    for (let i = 0; i < this.size; i++) out.push(this.at(i));
    return out;
  }

  private at(i: number): StoredEvent {
    return this.ring[(this.start + i) % this.capacity] as StoredEvent;
  }

  /** Binary search over the ordered ring. */
  private indexOf(id: number): number {
    let lo = 0;
    let hi = this.size - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const value = this.at(mid).id;
      if (value === id) return mid;
      if (value < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}

function isStoredEvent(value: unknown): value is StoredEvent {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<StoredEvent>;
  return (
    typeof v.id === 'number' &&
    Number.isSafeInteger(v.id) &&
    v.id > 0 &&
    typeof v.type === 'string' &&
    typeof v.data === 'object' &&
    v.data !== null
  );
}

/**
 * Persistence for {@link EventHistory}: an append-only JSON-lines file, one event per line.
 *
 * Appending one short line per event is cheap enough to do on every broadcast, so a crash loses
 * nothing the OS already has. The file is rewritten with only the held events when it grows past
 * twice the history size, and on close. A torn last line (crash mid-write) is skipped on load.
 */
export class HistoryLog {
  private fd: number | undefined;
  private lines = 0;

  constructor(
    readonly file: string,
    private readonly history: EventHistory,
  ) {}

  /** Reads the file into the history (if it exists) and opens it for appending. */
  load(): { loaded: number; skipped: number } {
    let loaded = 0;
    let skipped = 0;
    let text = '';
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        skipped += 1;
        continue;
      }
      if (
        !isStoredEvent(parsed) ||
        (this.history.length > 0 && parsed.id <= this.history.latestId)
      ) {
        skipped += 1;
        continue;
      }
      this.history.push(parsed);
      loaded += 1;
    }
    this.compact();
    return { loaded, skipped };
  }

  append(event: StoredEvent): void {
    if (this.fd === undefined) return;
    fs.writeSync(this.fd, JSON.stringify(event) + '\n');
    this.lines += 1;
    if (this.lines >= this.history.capacity * 2) this.compact();
  }

  /** Rewrites the file with exactly the held events (write to a temporary file, then rename). */
  compact(): void {
    this.closeFd();
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const events = this.history.toArray();
    const tmp = `${this.file}.${process.pid}.tmp`;
    // In slices: one string of a large history would briefly double the memory it takes.
    const fd = fs.openSync(tmp, 'w');
    try {
      for (let i = 0; i < events.length; i += 500) {
        const slice = events.slice(i, i + 500);
        fs.writeSync(fd, slice.map((e) => JSON.stringify(e) + '\n').join(''));
      }
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
    this.lines = events.length;
    this.fd = fs.openSync(this.file, 'a');
  }

  close(): void {
    if (this.fd === undefined) return;
    this.compact();
    this.closeFd();
  }

  private closeFd(): void {
    if (this.fd === undefined) return;
    fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
