import type { Page } from 'playwright-core';
import { assert, poll, sleep } from './lib';
import type { Scenario, ScenarioContext } from './types';

const FULL_PROMPT = 'How does reconnecting with Last-Event-ID work?';
const STOP_PROMPT = 'How do Server-Sent Events compare with WebSockets?';

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

const answer = (page: Page) =>
  page
    .getByTestId('chat-answer')
    .textContent()
    .then((t) => t ?? '');
const status = (page: Page) =>
  page
    .getByTestId('chat-status')
    .getAttribute('data-status')
    .then((s) => s ?? '');

async function ask(page: Page, prompt: string): Promise<void> {
  await page.getByLabel('Prompt').fill(prompt);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
}

interface ChatStats {
  chat: { active: number; completed: number; aborted: number };
}

export const chatScenarios: Scenario[] = [
  {
    name: 'chat: streams a full answer, revealed progressively',
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
          const text = await answer(page);
          lengths.add(text.length);
          if (!midShot && text.length > expected.length / 3) {
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
      const text = await answer(page);
      assert(
        text === expected,
        `the answer differs from the stream: got ${text.length} chars, expected ${expected.length}`,
      );
      const partial = [...lengths].filter((n) => n > 0 && n < expected.length).length;
      assert(partial >= 5, `only ${partial} intermediate lengths seen: not a typewriter`);
      await ctx.shot(page, '11-chat-done');
      ctx.figure(
        `chat: ${expected.length} chars in ${(elapsed / 1000).toFixed(1)} s, ${partial} intermediate lengths sampled`,
      );
    },
  },
  {
    name: 'chat: Stop ends the stream and keeps the text so far',
    timeoutMs: 30_000,
    async run(ctx) {
      const expected = await expectedAnswer(ctx, STOP_PROMPT);
      const before = (await ctx.server.stats()) as unknown as ChatStats;
      const page = await ctx.newPage('/chat');
      await ask(page, STOP_PROMPT);
      await poll(async () => (await answer(page)).length > 40, 15_000, 'some streamed text');
      await page.getByRole('button', { name: 'Stop', exact: true }).click();
      await poll(async () => (await status(page)) === 'stopped', 5000, 'status "stopped"');
      const atStop = await answer(page);
      await sleep(1000);
      const later = await answer(page);
      assert(later === atStop, `the answer grew after Stop: ${atStop.length} → ${later.length}`);
      assert(
        atStop.length < expected.length,
        `Stop came too late: ${atStop.length} of ${expected.length} chars`,
      );
      assert(expected.startsWith(atStop), 'the text kept after Stop is not a prefix of the answer');
      const after = await poll(
        async () => {
          const s = (await ctx.server.stats()) as unknown as ChatStats;
          return s.chat.active === 0 ? s : undefined;
        },
        5000,
        'the server to close the chat stream',
      );
      assert(
        after.chat.aborted > before.chat.aborted,
        'the server did not see the request aborted',
      );
      await ctx.shot(page, '12-chat-stopped');
      ctx.figure(
        `chat stop: kept ${atStop.length} of ${expected.length} chars; server aborted the stream`,
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
      assert((await answer(page)) === '', 'an answer was shown despite the 401');
      await ctx.shot(page, '13-chat-401');
      ctx.figure(`chat 401: "${text.trim()}"`);
    },
  },
];
