import { assert, poll, sleep } from './lib';
import { PanelPage, checkSequence } from './panel';
import type { Scenario, ScenarioContext } from './types';

const TYPES = ['message', 'notification', 'alert', 'update'] as const;
const XSS = `<img src=x onerror="window.__xss=1"><b>bold</b>`;

const token = () => Math.random().toString(36).slice(2, 8);

async function openPanel(ctx: ScenarioContext): Promise<PanelPage> {
  const panel = new PanelPage(await ctx.newPage('/'));
  await panel.page.getByRole('heading', { name: /control panel/i }).waitFor({ timeout: 10_000 });
  return panel;
}

/**
 * Waits until the page has logged everything the server issued so far, and asserts the logged
 * ids run from `firstId` with no gap and no duplicate.
 */
async function expectContinuousLog(ctx: ScenarioContext, panel: PanelPage, firstId: number) {
  const stats = await ctx.server.stats();
  const latestId = stats.events.latestId;
  const events = await poll(
    async () => {
      const all = await panel.events();
      return all.some((e) => e.id >= latestId) ? all : undefined;
    },
    5000,
    `the log to reach id ${latestId}`,
  );
  const ids = events.map((e) => e.id).filter((id) => id <= latestId);
  const { gaps, duplicates } = checkSequence(ids);
  assert(gaps.length === 0, `ids missing from the log: ${gaps.join(', ')}`);
  assert(duplicates.length === 0, `ids logged twice: ${duplicates.join(', ')}`);
  assert(ids[0] === firstId, `the log starts at ${ids[0]}, expected ${firstId}`);
  return { stats, latestId, ids, gaps, duplicates };
}

export const controlPanelScenarios: Scenario[] = [
  {
    name: 'control panel: connect shows "connected" and ticks are logged',
    timeoutMs: 20_000,
    async run(ctx) {
      const panel = await openPanel(ctx);
      const initial = await panel.status();
      assert(initial === 'disconnected', `initial status is "${initial}", expected "disconnected"`);
      await panel.connect();
      const events = await panel.waitMoreEvents(0, 2);
      const lastId = await panel.page.getByTestId('last-event-id').textContent();
      assert(
        lastId === String(events.at(-1)?.id) || Number(lastId) > (events.at(-1)?.id ?? 0),
        `last event id shows "${lastId}", the log's last id is ${events.at(-1)?.id}`,
      );
      await ctx.shot(panel.page, '01-connected');
      ctx.figure(`ticks logged within the first seconds: ${events.length}; last id ${lastId}`);
    },
  },
  {
    name: 'control panel: one event of each type is sent and logged with its type',
    timeoutMs: 30_000,
    async run(ctx) {
      const panel = await openPanel(ctx);
      await panel.connect();
      const tag = token();
      for (const type of TYPES) {
        const message = `e2e ${type} ${tag}`;
        await panel.send(type, message);
        const logged = await panel.waitEvent(
          (e) => e.text.includes(message),
          `the ${type} event "${message}" in the log`,
        );
        assert(logged.type === type, `"${message}" was logged as ${logged.type}, not ${type}`);
      }
      // An empty message sends the server's default text for that type.
      await panel.send('update', '');
      await panel.waitEvent(
        (e) => e.type === 'update' && e.text.includes('This is a test message of type update'),
        'the default text of an empty update',
      );
      const typesSeen = new Set((await panel.events()).map((e) => e.type));
      for (const type of TYPES) assert(typesSeen.has(type), `no ${type} entry in the log`);
      await ctx.shot(panel.page, '02-sent-each-type');
    },
  },
  {
    name: 'control panel: disconnect stops the log and sending is refused',
    timeoutMs: 25_000,
    async run(ctx) {
      const panel = await openPanel(ctx);
      await panel.connect();
      await panel.waitMoreEvents(0, 1);
      await panel.disconnect();
      // Let anything already in flight land, then count.
      await sleep(300);
      const before = (await panel.events()).length;
      await sleep(2600); // more than two ticks of the server loop
      const after = (await panel.events()).length;
      assert(after === before, `${after - before} events were logged after Disconnect`);
      const stats = await poll(
        async () => {
          const s = await ctx.server.stats();
          return s.connections.events === 0 ? s : undefined;
        },
        5000,
        'the server to see the stream closed',
      );
      await panel.send('alert', 'should not be sent');
      const refusal = panel.page.getByRole('alert');
      await refusal.waitFor({ timeout: 5000 });
      const text = (await refusal.textContent()) ?? '';
      assert(/not connected/i.test(text), `refusal message reads "${text}"`);
      const sent = (await panel.events()).filter((e) => e.text.includes('should not be sent'));
      assert(sent.length === 0, 'an event was sent while disconnected');
      await ctx.shot(panel.page, '03-disconnected');
      ctx.figure(
        `entries after disconnect: +${after - before} over 2.6 s; open panel streams on the server: ${stats.connections.events}`,
      );
    },
  },
  {
    name: 'control panel: two pages receive the same broadcast',
    timeoutMs: 25_000,
    async run(ctx) {
      const a = await openPanel(ctx);
      const b = await openPanel(ctx);
      await a.connect();
      await b.connect();
      const message = `broadcast ${token()}`;
      await a.send('notification', message);
      const inA = await a.waitEvent((e) => e.text.includes(message), `"${message}" on page A`);
      const inB = await b.waitEvent((e) => e.text.includes(message), `"${message}" on page B`);
      assert(inA.id === inB.id, `page A logged id ${inA.id}, page B id ${inB.id}`);
      assert(inB.type === 'notification', `page B logged type ${inB.type}`);
      await ctx.shot(b.page, '04-broadcast-page-b');
      ctx.figure(`broadcast id ${inA.id} logged by both pages`);
    },
  },
  {
    name: 'control panel: server restart shows reconnecting, then resumes with no gap or duplicate',
    timeoutMs: 60_000,
    async run(ctx) {
      const panel = await openPanel(ctx);
      await panel.connect();
      const before = await panel.waitMoreEvents(0, 2);
      const firstId = before[0]?.id ?? 0;

      // Watch the status in the page itself, so short-lived states are not missed.
      await panel.page.evaluate(() => {
        const seen: string[] = [];
        (window as unknown as { __statuses: string[] }).__statuses = seen;
        const el = document.querySelector('[data-testid="status-text"]');
        if (!el) return;
        seen.push(el.textContent ?? '');
        new MutationObserver(() => {
          const text = el.textContent ?? '';
          if (seen.at(-1) !== text) seen.push(text);
        }).observe(el, { childList: true, characterData: true, subtree: true });
      });

      const stoppedAt = Date.now();
      await ctx.server.stop();
      const reconnecting = await panel.waitStatus(/^reconnecting/, 10_000);
      await ctx.shot(panel.page, '05-reconnecting');
      await sleep(1000);
      await ctx.server.start();
      const restartedAt = Date.now();
      // Events issued right after the restart, most likely before the page is back: it gets them
      // by replay from the id it last saw.
      const sentIds: number[] = [];
      for (let i = 1; i <= 2; i++) {
        const res = await fetch(`${ctx.server.url}/api/send`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ type: 'update', message: `sent during the restart #${i}` }),
        });
        assert(res.ok, `POST /api/send answered ${res.status}`);
        sentIds.push(((await res.json()) as { id: number }).id);
      }
      await panel.waitStatus(/^connected$/, 20_000);
      const reconnectedAt = Date.now();
      const countBefore = (await panel.events()).length;
      await panel.waitMoreEvents(countBefore, 3);
      const { stats, latestId, ids, gaps, duplicates } = await expectContinuousLog(
        ctx,
        panel,
        firstId,
      );
      for (const id of sentIds)
        assert(ids.includes(id), `event ${id} sent during the restart is missing`);
      const statuses = await panel.page.evaluate(
        () => (window as unknown as { __statuses: string[] }).__statuses,
      );
      await ctx.shot(panel.page, '06-reconnected');
      const issued = latestId - firstId + 1;
      ctx.figure(
        `restart: server issued ids ${firstId}..${latestId} (${issued} events) while the page was connected; ` +
          `page logged ${ids.length} (unique ${new Set(ids).size}), gaps ${gaps.length}, duplicates ${duplicates.length}; ` +
          `sent during the restart: ids ${sentIds.join(', ')}; replayed by the restarted server: ${String(stats.events.replayed)}`,
      );
      ctx.figure(
        `restart: down ${restartedAt - stoppedAt} ms, connected again ${reconnectedAt - restartedAt} ms after restart; ` +
          `status seen: ${statuses.join(' → ')} (first: "${reconnecting}")`,
      );
    },
  },
  {
    name: 'control panel: dropped streams are replayed from Last-Event-ID',
    timeoutMs: 30_000,
    async run(ctx) {
      const panel = await openPanel(ctx);
      await panel.connect();
      const before = await panel.waitMoreEvents(0, 1);
      const firstId = before[0]?.id ?? 0;
      const replayedBefore = Number((await ctx.server.stats()).events.replayed);
      const response = await fetch(`${ctx.server.url}/api/disconnect`, { method: 'POST' });
      assert(response.ok, `POST /api/disconnect answered ${response.status}`);
      await panel.waitStatus(/^reconnecting/, 5000);
      await panel.waitStatus(/^connected$/, 15_000);
      const { stats, latestId, ids, gaps, duplicates } = await expectContinuousLog(
        ctx,
        panel,
        firstId,
      );
      const replayed = Number(stats.events.replayed) - replayedBefore;
      assert(replayed > 0, 'nothing was replayed: the drop did not make the page miss events');
      ctx.figure(
        `drop: ids ${firstId}..${latestId} issued, ${ids.length} logged, gaps ${gaps.length}, duplicates ${duplicates.length}; ` +
          `replayed from Last-Event-ID: ${replayed}`,
      );
    },
  },
  {
    name: 'control panel: an HTML payload is shown as text and runs nothing',
    timeoutMs: 25_000,
    async run(ctx) {
      const sender = await openPanel(ctx);
      const receiver = await openPanel(ctx);
      await sender.connect();
      await receiver.connect();
      await sender.send('alert', XSS);
      for (const [name, panel] of [
        ['sender', sender],
        ['receiver', receiver],
      ] as const) {
        const logged = await panel.waitEvent(
          (e) => e.text.includes(XSS),
          `the HTML payload as literal text on the ${name} page`,
        );
        assert(logged.type === 'alert', `logged as ${logged.type}`);
      }
      await sleep(500); // an injected <img src=x> would have failed to load and fired onerror by now
      for (const [name, panel] of [
        ['sender', sender],
        ['receiver', receiver],
      ] as const) {
        const result = await panel.page.evaluate(() => ({
          xss: (window as unknown as { __xss?: unknown }).__xss,
          elements: document.querySelectorAll('[role="log"] img, [role="log"] b').length,
        }));
        assert(
          result.xss === undefined,
          `window.__xss is ${String(result.xss)} on the ${name} page`,
        );
        assert(result.elements === 0, `${result.elements} injected elements in the ${name} log`);
      }
      await ctx.shot(receiver.page, '07-html-as-text');
    },
  },
];
