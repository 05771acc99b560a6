/**
 * Dashboard rendering: 50 widgets (10 per event type) on one page, 1,000 events across 5 event
 * types, with
 *
 *   - sse-hooks (`useSSEEvent` per widget, under one provider),
 *   - react-hooks-sse (`useSSE` per widget, under one `SSEProvider`),
 *   - react-use-websocket's `useEventSource` (default, and with `share: true`).
 *
 * Each widget shows the last event of its type and counts every event it is handed. Renders are
 * commits of the widgets (React Profiler), "delivered" sums the events each widget's code saw
 * (10 widgets x 200 events x 5 types = 10,000 when nothing is lost), and connections are counted
 * by a real node:http SSE server. Runs in this process on a jsdom window (60 Hz
 * `requestAnimationFrame`) with React's development build. The peers use the global EventSource,
 * provided by the `eventsource` package; sse-hooks uses its own fetch transport.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import type { ComponentType, ReactNode } from 'react';

// jsdom ships no type declarations: type the one use here.
const { JSDOM } = createRequire(import.meta.url)('jsdom') as {
  JSDOM: new (
    html: string,
    options: { pretendToBeVisual: boolean; url: string },
  ) => { window: Window & Record<string, unknown> };
};

const TYPES = ['notification', 'alert', 'update', 'metric', 'status'] as const;
const EVENTS = 1000;
const PER_TYPE = 10;
const WRITES = 100; // the burst reaches the socket in 100 writes, one per event-loop turn
const EXPECTED = EVENTS * PER_TYPE; // each event reaches the 10 widgets of its type

export interface ReactBenchRow {
  library: string;
  renders: number;
  delivered: number;
  expected: number;
  connections: number;
  ms: number;
  note: string;
}

/** A DOM for React in Node: a jsdom window's globals (kept if a DOM is already installed). */
function ensureDom(): Window & Record<string, unknown> {
  const g = globalThis as Record<string, unknown>;
  const installed = typeof g.window === 'object' && typeof g.requestAnimationFrame === 'function';
  const window = installed
    ? (g.window as Window & Record<string, unknown>)
    : new JSDOM('<!doctype html><html><body></body></html>', {
        pretendToBeVisual: true,
        url: 'http://localhost/',
      }).window;
  for (const key of [
    'window',
    'document',
    'navigator',
    'HTMLElement',
    'Node',
    'Element',
    'Text',
    'MutationObserver',
    'getComputedStyle',
    'WebSocket',
    'requestAnimationFrame',
    'cancelAnimationFrame',
  ]) {
    if (typeof g[key] !== 'undefined' && (installed || !key.endsWith('AnimationFrame'))) continue;
    const value = window[key];
    Object.defineProperty(globalThis, key, {
      configurable: true,
      writable: true,
      value: typeof value === 'function' && /^[a-z]/.test(key) ? value.bind(window) : value,
    });
  }
  g.IS_REACT_ACT_ENVIRONMENT = false;
  return window;
}

interface Server {
  url: string;
  /** Requests received since the last reset. */
  opened(): number;
  open(): number;
  reset(): void;
  burst(named: boolean): Promise<void>;
  close(): Promise<void>;
}

async function startServer(): Promise<Server> {
  const streams = new Set<ServerResponse>();
  let opened = 0;
  const server = createServer((req, res) => {
    opened++;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    res.write(': hello\n\n');
    streams.add(res);
    req.on('close', () => streams.delete(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/events`,
    opened: () => opened,
    open: () => streams.size,
    reset: () => {
      opened = 0;
    },
    async burst(named) {
      const perWrite = EVENTS / WRITES;
      for (let w = 0; w < WRITES; w++) {
        let text = '';
        for (let i = w * perWrite; i < (w + 1) * perWrite; i++) {
          const type = TYPES[i % TYPES.length]!;
          const data = JSON.stringify({ type, n: i });
          text += named
            ? `id: ${i}\nevent: ${type}\ndata: ${data}\n\n`
            : `id: ${i}\ndata: ${data}\n\n`;
        }
        for (const res of streams) res.write(text);
        await new Promise((r) => setImmediate(r));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of streams) res.destroy();
        server.close(() => resolve());
      }),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(predicate: () => boolean, timeout: number): Promise<boolean> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeout) return false;
    await sleep(5);
  }
  return true;
}

interface Case {
  library: string;
  note: string;
  /** Events sent with an `event:` field (false: as unnamed messages with the type in data). */
  named: boolean;
  /** Connections the page is expected to open before the burst. */
  connections: number;
  /** The page: widgets call `count()` for every event they are handed. */
  page: (
    url: string,
    count: () => void,
    Widget: ComponentType<{ children?: ReactNode; id: string }>,
  ) => ReactNode;
}

/** Runs the React section; prints a table and returns its rows. */
export async function runReactBench(): Promise<ReactBenchRow[]> {
  const window = ensureDom();
  const { EventSource: Polyfill } = await import('eventsource');
  const g = globalThis as Record<string, unknown>;
  const previous = { global: g.EventSource, window: window.EventSource };
  g.EventSource = Polyfill;
  window.EventSource = Polyfill;

  try {
    // Imported only now: react-dom reads the DOM, react-use-websocket the EventSource, at load.
    const { createElement: h, Profiler } = await import('react');
    const { createRoot } = await import('react-dom/client');
    const { EventSourceProvider, useSSEEvent } = (await import('./lib.js')).builtReact;
    const rhs = await import('react-hooks-sse');
    const ruw = await import('react-use-websocket');

    function SseHooksWidget({
      url,
      type,
      count,
    }: {
      url: string;
      type: string;
      count: () => void;
    }) {
      const last = useSSEEvent(url, type, { parse: 'json', onEvent: count });
      return h('span', null, last ? (last.data as { n: number }).n : '-');
    }
    function RhsWidget({ type, count }: { type: string; count: () => void }) {
      const last = rhs.useSSE<{ n: number } | null>(type, null, {
        parser: (data: string) => {
          count();
          return JSON.parse(data) as { n: number };
        },
      });
      return h('span', null, last ? last.n : '-');
    }
    function RuwWidget(props: { url: string; type: string; count: () => void; share: boolean }) {
      const { url, type, count, share } = props;
      const { lastEvent } = ruw.useEventSource(url, {
        share,
        // Named events never reach react-use-websocket (it listens to `message` only), so the
        // stream is sent unnamed and each widget keeps the messages of its type.
        onMessage: (message: MessageEvent<string>) => {
          if ((JSON.parse(message.data) as { type: string }).type === type) count();
        },
      });
      const data = lastEvent
        ? (JSON.parse(lastEvent.data as string) as { type: string; n: number })
        : null;
      return h('span', null, data && data.type === type ? data.n : '-');
    }

    const widgets = (make: (type: string, i: number) => ReactNode) =>
      TYPES.flatMap((type) => Array.from({ length: PER_TYPE }, (_, i) => make(type, i)));

    const cases: Case[] = [
      {
        library: 'sse-hooks',
        note: 'useSSEEvent per widget, one provider',
        named: true,
        connections: 1,
        page: (url, count, W) =>
          h(
            EventSourceProvider,
            { options: { transport: 'fetch' } },
            widgets((type, i) =>
              h(W, { key: `${type}${i}`, id: type }, h(SseHooksWidget, { url, type, count })),
            ),
          ),
      },
      {
        library: 'react-hooks-sse',
        note: 'useSSE per widget, one SSEProvider',
        named: true,
        connections: 1,
        page: (url, count, W) =>
          h(
            rhs.SSEProvider,
            { endpoint: url },
            widgets((type, i) =>
              h(W, { key: `${type}${i}`, id: type }, h(RhsWidget, { type, count })),
            ),
          ),
      },
      {
        library: 'react-use-websocket',
        note: 'useEventSource per widget (default options); unnamed events',
        named: false,
        connections: TYPES.length * PER_TYPE,
        page: (url, count, W) =>
          widgets((type, i) =>
            h(
              W,
              { key: `${type}${i}`, id: type },
              h(RuwWidget, { url, type, count, share: false }),
            ),
          ),
      },
      {
        library: 'react-use-websocket (share)',
        note: 'useEventSource per widget with share: true; unnamed events',
        named: false,
        connections: 1,
        page: (url, count, W) =>
          widgets((type, i) =>
            h(W, { key: `${type}${i}`, id: type }, h(RuwWidget, { url, type, count, share: true })),
          ),
      },
    ];

    const rows: ReactBenchRow[] = [];
    for (const c of cases) {
      const server = await startServer();
      let renders = 0;
      let delivered = 0;
      let measuring = false;
      const onRender = () => {
        if (measuring) renders++;
      };
      const Widget = ({ children, id }: { children?: ReactNode; id: string }) =>
        h(Profiler, { id, onRender }, children);
      const count = () => {
        delivered++;
      };

      const container = window.document.createElement('div');
      window.document.body.appendChild(container);
      const root = createRoot(container);
      root.render(c.page(server.url, count, Widget));
      await until(() => server.open() >= c.connections, 5000);
      await sleep(200); // every widget subscribed, mount renders done
      delivered = 0;
      measuring = true;
      const started = performance.now();
      await server.burst(c.named);
      await until(() => delivered >= EXPECTED, 5000);
      const ms = performance.now() - started;
      await sleep(100); // the last frame
      measuring = false;
      const connections = server.opened();
      root.unmount();
      container.remove();
      await server.close();
      rows.push({
        library: c.library,
        renders,
        delivered,
        expected: EXPECTED,
        connections,
        ms: Math.round(ms),
        note: c.note,
      });
    }

    console.log(
      `${EVENTS} events across ${TYPES.length} types, ${TYPES.length * PER_TYPE} widgets ` +
        `(${PER_TYPE} per type), burst in ${WRITES} socket writes; React ${(await import('react')).version} (development build)`,
    );
    console.table(
      rows.map((r) => ({
        library: r.library,
        renders: r.renders,
        'events delivered': `${r.delivered} / ${r.expected}`,
        connections: r.connections,
        'ms to deliver': r.ms,
        how: r.note,
      })),
    );
    return rows;
  } finally {
    g.EventSource = previous.global;
    window.EventSource = previous.window;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runReactBench();
}
