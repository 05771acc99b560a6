import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { ConnectionRegistry } from 'sse-hooks/core';
import { StreamObserver } from '../../src/core/streamObserver.js';
import { ScriptedTransport, flush } from '../helpers/scriptedTransport.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

it('one listener subscribed twice holds one lease and releases it once', async () => {
  const transport = new ScriptedTransport();
  const registry = new ConnectionRegistry({ linger: 100 });
  const observer = new StreamObserver({ registry, url: 'http://h/e', transport });
  const listener = vi.fn();
  const offA = observer.subscribe(listener);
  const offB = observer.subscribe(listener);
  await flush();
  expect(registry.inspect().map((entry) => entry.subscribers)).toEqual([1]);
  expect(transport.attempts).toHaveLength(1);

  // A second holder of the connection: the observer's release must not take its share.
  const other = registry.acquire('http://h/e', { transport });
  offA();
  offB();
  expect(registry.inspect().map((entry) => entry.subscribers)).toEqual([1]);
  vi.advanceTimersByTime(1000);
  expect(other.connection.getSnapshot().status).not.toBe('closed');
  other.release();
  vi.advanceTimersByTime(100);
  expect(registry.size).toBe(0);
});
