import type { EventBuffer } from 'better-sse';

/** The dashboard stream's event names; a stream cycles through them in this order. */
export const DASHBOARD_EVENT_TYPES = [
  'counter',
  'cpu',
  'memory',
  'requests',
  'errors',
  'latency',
  'alert',
  'users',
] as const;
export type DashboardEventType = (typeof DASHBOARD_EVENT_TYPES)[number];

export const MIN_RATE = 1;
export const MAX_RATE = 5000;

/** `?rate=` as events per second, clamped to 1..5000; anything unparsable gives the default. */
export function parseRate(raw: string | null, fallback: number): number {
  const value = raw === null || raw.trim() === '' ? NaN : Number(raw);
  const rate = Number.isFinite(value) ? value : fallback;
  return Math.min(MAX_RATE, Math.max(MIN_RATE, Math.round(rate)));
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, n));
/** A bounded random walk step. */
const walk = (value: number, step: number, lo: number, hi: number) =>
  clamp(value + (Math.random() * 2 - 1) * step, lo, hi);

/**
 * Produces the metric events of one dashboard stream: small JSON payloads
 * `{ value, t, seq }` (alerts carry `level` and `message` instead of a plain value), values moving
 * as bounded random walks so charts look alive.
 */
export class DashboardFeed {
  /** Events produced so far; also the `seq` of the last one. */
  seq = 0;
  private counter = 0;
  private cpu = 35;
  private memory = 2048;
  private requests = 120;
  private errors = 0;
  private latency = 40;
  private users = 250;

  /** Appends `count` events to the buffer. */
  write(buffer: EventBuffer, count: number, now = Date.now()): void {
    for (let i = 0; i < count; i++) {
      const type = DASHBOARD_EVENT_TYPES[
        this.seq % DASHBOARD_EVENT_TYPES.length
      ] as DashboardEventType;
      this.seq += 1;
      buffer.event(type).data(this.payload(type, now)).dispatch();
    }
  }

  private payload(type: DashboardEventType, t: number): Record<string, unknown> {
    const seq = this.seq;
    switch (type) {
      case 'counter':
        this.counter += 1;
        return { value: this.counter, t, seq };
      case 'cpu':
        this.cpu = walk(this.cpu, 6, 1, 100);
        return { value: round1(this.cpu), unit: '%', t, seq };
      case 'memory':
        this.memory = walk(this.memory, 64, 512, 8192);
        return { value: Math.round(this.memory), unit: 'MB', t, seq };
      case 'requests':
        this.requests = walk(this.requests, 15, 0, 1000);
        return { value: Math.round(this.requests), unit: 'req/s', t, seq };
      case 'errors':
        if (Math.random() < 0.2) this.errors += 1;
        return { value: this.errors, t, seq };
      case 'latency':
        this.latency = walk(this.latency, 8, 5, 500);
        return { value: Math.round(this.latency), unit: 'ms', t, seq };
      case 'alert': {
        const level = this.cpu > 85 ? 'critical' : this.cpu > 70 ? 'warning' : 'info';
        return { level, message: `CPU at ${round1(this.cpu)}%`, value: round1(this.cpu), t, seq };
      }
      case 'users':
        this.users = walk(this.users, 5, 0, 10_000);
        return { value: Math.round(this.users), t, seq };
    }
  }
}
