import type { Page } from 'playwright-core';
import { assert, poll, sleep } from './lib';
import type { Scenario, ScenarioContext } from './types';

const FULL_PROMPT = 'How does reconnecting with Last-Event-ID work?';
const STOP_PROMPT = 'How do Server-Sent Events compare with WebSockets?';
const UNICODE_PROMPT = '请用中文和 emoji 介绍流式输出';

/** The whole answer to `prompt`, read straight from the API: the tokens of every chunk joined. */
async function expectedAnswer(ctx: ScenarioContext, prompt: string): Promise<string> {
  const response = await fetch(`${ctx.server.url}/api/chat`, {
    method: 'POST',
    headers: { Authorization: 'Bearer demo-token', 'Content-Type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: prompt }] }),
  });
  assert(response.ok, `POST /api/chat answered ${response.status}`);
  const body = await response.text();
  let text = '';
  for (const block of body.split(/\n\n/)) {
    const data = block
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).replace(/^ /, ''))
      .join('\n');
    if (data === '' || data === '[DONE]') continue;
    const chunk = JSON.parse(data) as { choices: { delta: { content?: string } }[] };
    text += chunk.choices[0]?.delta.content ?? '';
  }
  return text;
}

/** Length (UTF-16 units) of the raw reply text on screen. */
const shownLength = (page: Page) =>
  page
    .getByTestId('chat-answer')
    .getAttribute('data-length')
    .then((n) => Number(n ?? '0'));
const status = (page: Page) =>
  page
    .getByTestId('chat-status')
    .getAttribute('data-status')
    .then((s) => s ?? '');

/** The raw Markdown of the reply, through the page's "Show the Markdown source" switch. */
async function source(page: Page): Promise<string> {
  const toggle = page.getByLabel(/Show the Markdown source/);
  await toggle.check();
  const text = (await page.getByTestId('chat-source').textContent()) ?? '';
  await toggle.uncheck();
  return text;
}

async function ask(page: Page, prompt: string): Promise<void> {
  await page.getByLabel('Prompt').fill(prompt);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
}

interface ChatStats {
  chat: { requests: number; active: number; completed: number; aborted: number; resumed: number };
}
const chatStats = async (ctx: ScenarioContext) =>
  ((await ctx.server.stats()) as unknown as ChatStats).chat;

interface Shot {
  /** ms since the recorder started in this document. */
  at: number;
  /** Which document (0 before the first reload, 1 after...). */
  load: number;
  length: number;
  rendered: string;
  status: string;
}

const RECORDER = `(() => {
  const report = window.__answerShot;
  const started = performance.now();
  report({ at: -1, length: 0, rendered: '', status: '' });
  let last = '';
  const look = () => {
    const answer = document.querySelector('[data-testid="chat-answer"]');
    if (!answer) return;
    const status = document.querySelector('[data-testid="chat-status"]');
    const shot = {
      at: performance.now() - started,
      length: Number(answer.getAttribute('data-length') || '0'),
      rendered: answer.textContent || '',
      status: (status && status.getAttribute('data-status')) || '',
    };
    const key = shot.length + '|' + shot.status + '|' + shot.rendered;
    if (key === last) return;
    last = key;
    report(shot);
  };
  new MutationObserver(look).observe(document, {
    subtree: true,
    childList: true,
    characterData: true,
    attributes: true,
  });
})();`;

/**
 * Records every state of the answer that reaches the DOM, in every document the page loads (the
 * recorder is installed before any script of the page runs, and reports to this process, so it
 * survives reloads).
 */
async function recordAnswer(page: Page): Promise<Shot[]> {
  const shots: Shot[] = [];
  let loads = -1;
  await page.exposeBinding('__answerShot', (_source, shot: Omit<Shot, 'load'>) => {
    if (shot.at === -1) loads++;
    else shots.push({ ...shot, load: loads });
  });
  // A string, not a function: the test runner's transform would add helpers the page lacks.
  await page.addInitScript(RECORDER);
  return shots;
}

/** Lengths of `text` (UTF-16 units) that end between two user-perceived characters. */
function graphemeEnds(text: string): Set<number> {
  const ends = new Set([0, text.length]);
  for (const { index } of new Intl.Segmenter().segment(text)) ends.add(index);
  return ends;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const chatScenarios: Scenario[] = [
  {
    name: 'chat: streams a full answer, revealed progressively as Markdown',
    timeoutMs: 40_000,
    async run(ctx) {
      const expected = await expectedAnswer(ctx, FULL_PROMPT);
      const page = await ctx.newPage('/chat');
      const token = await page.getByLabel('Token').inputValue();
      assert(token === 'demo-token', `the token field holds "${token}"`);
      const started = Date.now();
      await ask(page, FULL_PROMPT);
      // Sample the answer while it streams: a typewriter shows many intermediate lengths.
      const lengths = new Set<number>();
      let midShot = false;
      await poll(
        async () => {
          const length = await shownLength(page);
          lengths.add(length);
          if (!midShot && length > expected.length / 3) {
            midShot = true;
            await ctx.shot(page, '10-chat-streaming');
          }
          return (await status(page)) === 'done';
        },
        30_000,
        'the answer to finish',
        30,
      );
      const elapsed = Date.now() - started;
      const text = await source(page);
      assert(
        text === expected,
        `the answer differs from the stream: got ${text.length} chars, expected ${expected.length}`,
      );
      // Rendered as Markdown: a heading, a code block and a list, no Markdown syntax left over.
      const answer = page.getByTestId('chat-answer');
      assert((await answer.locator('h2').count()) === 1, 'no heading rendered');
      assert((await answer.locator('pre code').count()) === 1, 'no code block rendered');
      assert((await answer.locator('ol li').count()) === 3, 'the list is not rendered');
      const rendered = (await answer.textContent()) ?? '';
      assert(!rendered.includes('```') && !rendered.includes('## '), 'Markdown syntax shows');
      const partial = [...lengths].filter((n) => n > 0 && n < expected.length).length;
      assert(partial >= 5, `only ${partial} intermediate lengths seen: not a typewriter`);
      await ctx.shot(page, '11-chat-done');
      ctx.figure(
        `chat: ${expected.length} chars in ${(elapsed / 1000).toFixed(1)} s, ${partial} intermediate lengths sampled`,
      );
    },
  },
  {
    name: 'chat: a Chinese and emoji reply never shows a broken character',
    timeoutMs: 40_000,
    async run(ctx) {
      const expected = await expectedAnswer(ctx, UNICODE_PROMPT);
      const page = await ctx.newPage('/chat');
      const shots = await recordAnswer(page);
      await page.reload({ waitUntil: 'load' });
      await ask(page, UNICODE_PROMPT);
      await poll(async () => (await status(page)) === 'done', 30_000, 'the answer to finish');
      assert((await source(page)) === expected, 'the final text differs from the stream');
      const ends = graphemeEnds(expected);
      const streaming = shots.filter((s) => s.status === 'streaming' && s.length > 0);
      assert(streaming.length >= 10, `only ${streaming.length} states seen while streaming`);
      for (const shot of shots) {
        assert(!shot.rendered.includes('\ufffd'), `U+FFFD on screen at ${shot.length} chars`);
        assert(!LONE_SURROGATE.test(shot.rendered), `half a character at ${shot.length} chars`);
        assert(ends.has(shot.length), `the text ends inside a character at ${shot.length}`);
      }
      const rendered = (await page.getByTestId('chat-answer').textContent()) ?? '';
      for (const piece of ['👨‍👩‍👧‍👦', '🇨🇳', '👍🏽', 'café', '流式输出']) {
        assert(rendered.includes(piece), `${piece} is missing from the rendered answer`);
      }
      await ctx.shot(page, '14-chat-unicode');
      ctx.figure(
        `chat unicode: ${streaming.length} states while streaming, none with U+FFFD or a cut character (${expected.length} chars)`,
      );
    },
  },
  {
    name: 'chat: Stop ends the stream and keeps the text so far',
    timeoutMs: 30_000,
    async run(ctx) {
      const expected = await expectedAnswer(ctx, STOP_PROMPT);
      const before = await chatStats(ctx);
      const page = await ctx.newPage('/chat');
      await ask(page, STOP_PROMPT);
      await poll(async () => (await shownLength(page)) > 40, 15_000, 'some streamed text');
      await page.getByRole('button', { name: 'Stop', exact: true }).click();
      await poll(async () => (await status(page)) === 'stopped', 5000, 'status "stopped"');
      const atStop = await shownLength(page);
      await sleep(1000);
      const later = await shownLength(page);
      assert(later === atStop, `the answer grew after Stop: ${atStop} → ${later}`);
      assert(atStop < expected.length, `Stop came too late: ${atStop} of ${expected.length}`);
      const kept = await source(page);
      assert(kept.length === atStop, 'the source and the shown length differ');
      assert(expected.startsWith(kept), 'the text kept after Stop is not a prefix of the answer');
      const after = await poll(
        async () => {
          const s = await chatStats(ctx);
          return s.active === 0 ? s : undefined;
        },
        5000,
        'the server to close the chat stream',
      );
      assert(after.aborted > before.aborted, 'the server did not see the request aborted');
      // Stop is the end: a reload does not bring the reply back.
      await page.reload({ waitUntil: 'load' });
      await sleep(500);
      assert((await status(page)) === 'idle', `after a reload the status is ${await status(page)}`);
      assert((await chatStats(ctx)).resumed === before.resumed, 'a stopped reply was resumed');
      await ctx.shot(page, '12-chat-stopped');
      ctx.figure(
        `chat stop: kept ${atStop} of ${expected.length} chars; server aborted the stream`,
      );
    },
  },
  {
    name: 'chat: a reload mid-reply continues it, nothing typed twice, no second POST',
    timeoutMs: 40_000,
    async run(ctx) {
      const expected = await expectedAnswer(ctx, FULL_PROMPT);
      const page = await ctx.newPage('/chat');
      const shots = await recordAnswer(page);
      await page.reload({ waitUntil: 'load' });
      const before = await chatStats(ctx);
      await ask(page, FULL_PROMPT);
      await poll(async () => (await shownLength(page)) > 150, 15_000, 'some streamed text');
      assert((await status(page)) === 'streaming', 'the reply ended before the reload');
      const reloadedAt = Date.now();
      await page.reload({ waitUntil: 'load' });
      await poll(async () => (await status(page)) === 'done', 30_000, 'the resumed answer to end');
      const text = await source(page);
      assert(text === expected, `the answer differs: ${text.length} of ${expected.length} chars`);
      const question = await page.getByTestId('chat-question').textContent();
      assert(question === FULL_PROMPT, `the question after the reload reads "${question}"`);

      const first = shots.filter((s) => s.load === 0 && s.length > 0);
      const second = shots.filter((s) => s.load === 1 && s.length > 0);
      assert(
        first.length > 0 && second.length > 0,
        'no answer recorded before or after the reload',
      );
      const lastBefore = first.at(-1)!.length;
      const firstAfter = second[0]!;
      // The reloaded page starts from the text already shown, in one piece, never from zero.
      assert(
        firstAfter.length >= lastBefore,
        `after the reload the answer restarted at ${firstAfter.length} chars (${lastBefore} shown before)`,
      );
      assert(firstAfter.status === 'streaming', `first state after reload: ${firstAfter.status}`);
      for (const [i, shot] of second.entries()) {
        assert(shot.length >= (second[i - 1]?.length ?? 0), 'the answer shrank after the reload');
      }
      assert(second.at(-1)!.length > firstAfter.length, 'nothing more came after the reload');
      const after = await chatStats(ctx);
      assert(
        after.requests === before.requests + 1,
        `the server saw ${after.requests - before.requests} POSTs for one question`,
      );
      assert(after.resumed > before.resumed, 'the server saw no resume');
      await ctx.shot(page, '15-chat-resumed');
      ctx.figure(
        `chat reload: ${lastBefore} chars shown before, ${firstAfter.length} at the first paint after (${Date.now() - reloadedAt} ms to the end), 1 POST, ${after.resumed - before.resumed} resume`,
      );
    },
  },
  {
    name: 'chat: a wrong token shows the 401 as an error',
    timeoutMs: 20_000,
    async run(ctx) {
      const page = await ctx.newPage('/chat');
      await page.getByLabel('Token').fill('wrong-token');
      await ask(page, FULL_PROMPT);
      const alert = page.getByRole('alert');
      await alert.waitFor({ timeout: 10_000 });
      const text = (await alert.textContent()) ?? '';
      assert(/401/.test(text), `the error reads "${text}"`);
      assert((await status(page)) === 'error', `status is ${await status(page)}`);
      assert((await shownLength(page)) === 0, 'an answer was shown despite the 401');
      await ctx.shot(page, '13-chat-401');
      ctx.figure(`chat 401: "${text.trim()}"`);
    },
  },
];
