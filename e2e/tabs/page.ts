/**
 * The page side of the tab-sharing e2e (bundled by e2e/tabs.ts): streams shared with `tabs`, what
 * each received, and whether this page's own fetch holds the network connection.
 */
import { tabs } from '../../src/tabs';
import type { StreamConnection } from '../../src/core/types';

interface Held {
  conn: StreamConnection;
  ids: string[];
}

const fetches: { url: string; signal: AbortSignal | null }[] = [];
const original = window.fetch.bind(window);
window.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
  fetches.push({ url: String(input), signal: init?.signal ?? null });
  return original(input, init);
};

const streams = new Map<string, Held>();

/** What arrived on the stream channels, for failure reports: kind, leader epoch, event IDs. */
const wire: string[] = [];
const listen = (url: string) => {
  const name = `sse-hooks:${JSON.stringify([new URL(url, location.href).href, 'GET', null, null, 'same-origin', null])}`;
  new BroadcastChannel(name).onmessage = ({ data }) => {
    const d = data as {
      k: string;
      e?: number;
      r?: string;
      items?: { t: string; m?: { lastEventId: string } }[];
    };
    const ids = d.items?.map((i) => (i.t === 'ev' ? i.m!.lastEventId : i.t)).join(',');
    wire.push(`${performance.now().toFixed(0)} ${d.k} e=${d.e ?? ''} r=${d.r ?? ''} ${ids ?? ''}`);
    if (wire.length > 400) wire.splice(0, 100);
  };
};

const api = {
  subscribe(url: string): void {
    const conn = tabs.create(url, {});
    const held: Held = { conn, ids: [] };
    conn.addEventListener('*', (m) => held.ids.push(m.lastEventId));
    conn.open();
    streams.set(url, held);
    listen(url);
  },
  close(url: string): void {
    streams.get(url)?.conn.close();
  },
  read(url: string) {
    const held = streams.get(url)!;
    const s = held.conn.getSnapshot();
    return {
      ids: held.ids,
      status: s.status,
      shared: s.shared,
      continuity: s.continuity,
      lastEventId: s.lastEventId,
    };
  },
  wire: () => wire,
  /** This page's own request for `url` is still running: it leads. */
  leading(url: string): boolean {
    return fetches.some((f) => f.url.includes(url) && f.signal !== null && !f.signal.aborted);
  },
};

(window as unknown as { tabsTest: typeof api }).tabsTest = api;
