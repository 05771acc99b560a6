import { useEffect, useState } from 'react';
import type { ConnectionInspection, ConnectionRegistry } from '../core/index.js';

/** How many rate samples a sparkline shows. */
const POINTS = 30;

/** One connection as the panel shows it: its inspection, its leases and its rates. */
export interface Sample {
  readonly key: string;
  readonly subscribers: number;
  readonly info: ConnectionInspection;
  readonly reconnect: () => void;
  readonly close: () => void;
  readonly open: () => void;
  /** Events and bytes per second over the last interval, newest last. */
  readonly eventRates: readonly number[];
  readonly byteRates: readonly number[];
}

/**
 * Samples `registry` every `interval` ms while `active`: the panel renders per sample, never per
 * event, so a 5,000 events/s stream costs it one inspection per connection per interval.
 */
export function useSamples(
  registry: ConnectionRegistry,
  active: boolean,
  interval: number,
): Sample[] {
  const [samples, setSamples] = useState<Sample[]>([]);
  useEffect(() => {
    if (!active) return;
    let previous = new Map<string, Sample>();
    let last = performance.now();
    // An action shows its effect at once; its sample keeps the rates of the last interval.
    const act = (action: () => void) => {
      action();
      setSamples(sample(false));
    };
    const sample = (measured: boolean): Sample[] => {
      const now = performance.now();
      const seconds = Math.max(0.001, (now - last) / 1000);
      const grow = (rates: readonly number[] = [], value: number) =>
        measured ? [...rates, value].slice(-POINTS) : rates;
      return registry.inspect().map(({ key, subscribers, connection }): Sample => {
        const info = connection.inspect();
        const before = previous.get(key);
        const per = (now: number, then = now) => (before ? (now - then) / seconds : 0);
        return {
          key,
          subscribers,
          info,
          reconnect: () => act(() => connection.reconnect()),
          close: () => act(() => connection.close()),
          open: () => act(() => connection.open()),
          eventRates: grow(before?.eventRates, per(info.events, before?.info.events)),
          byteRates: grow(before?.byteRates, per(info.bytes, before?.info.bytes)),
        };
      });
    };
    const tick = () => {
      const next = sample(true);
      last = performance.now();
      previous = new Map(next.map((s) => [s.key, s]));
      setSamples(next);
    };
    tick();
    const timer = setInterval(tick, interval);
    return () => clearInterval(timer);
  }, [registry, active, interval]);
  return samples;
}
