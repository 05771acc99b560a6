import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { assert, freePort, poll } from './lib';
import type { Scenario, ScenarioContext } from './types';

/**
 * A second SSE server on another port, as a developer's own server would be: CORS for any
 * origin, named events with non-ASCII data, ids and `retry:`; a POST stream behind a bearer
 * token; a 404 and an HTML page.
 */
async function otherServer(): Promise<{ origin: string; posts: string[]; close(): void }> {
  const posts: string[] = [];
  const server: Server = createServer((req, res) => {
    const cors = {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Headers': 'authorization, content-type, last-event-id',
      'Access-Control-Allow-Methods': 'GET, POST',
    };
    if (req.method === 'OPTIONS') return void res.writeHead(204, cors).end();
    const sse = { ...cors, 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' };
    if (req.url?.startsWith('/named')) {
      res.writeHead(200, sse);
      res.write('retry: 5000\n: hello inspector\n\n');
      let n = 0;
      const timer = setInterval(() => {
        n++;
        res.write(`id: é-${n}\nevent: greeting\ndata: héllo 中文 😀 #${n}\n\n`);
      }, 200);
      req.on('close', () => clearInterval(timer));
    } else if (req.url === '/llm' && req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        posts.push(`${req.headers.authorization} ${body}`);
        if (req.headers.authorization !== 'Bearer inspector-token') {
          res.writeHead(401, { ...cors, 'Content-Type': 'application/json' });
          return void res.end(JSON.stringify({ error: { message: 'Invalid API key' } }));
        }
        res.writeHead(200, sse);
        for (const token of ['Hel', 'lo', ' from', ' POST']) {
          res.write(`data: ${JSON.stringify({ token })}\n\n`);
        }
        res.write('data: [DONE]\n\n');
      });
    } else if (req.url === '/html') {
      res.writeHead(200, { ...cors, 'Content-Type': 'text/html' }).end('<h1>not a stream</h1>');
    } else res.writeHead(404, cors).end('no such stream');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    posts,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

const logText = (page: Page) => page.getByRole('log', { name: 'Event log' }).textContent();
const rawText = async (page: Page) => (await page.getByTestId('raw-frames').textContent()) ?? '';

async function inspect(page: Page, url: string, fill?: { headers?: string; body?: string }) {
  await page.getByLabel('Stream URL').fill(url);
  if (fill?.body !== undefined) {
    await page.getByLabel('Method').selectOption('POST');
    await page.getByLabel('Body').fill(fill.body);
  }
  if (fill?.headers !== undefined)
    await page.getByLabel('Headers (one per line)').fill(fill.headers);
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
}

async function openInspector(ctx: ScenarioContext, query = ''): Promise<Page> {
  const page = await ctx.newPage(`/${query}`);
  await page.getByRole('heading', { name: /control panel/i }).waitFor({ timeout: 10_000 });
  return page;
}

export const inspectorScenarios: Scenario[] = [
  {
    name: 'inspector: another server’s named events, ids and retry:, parsed and raw; a shared link opens it',
    timeoutMs: 40_000,
    async run(ctx) {
      const other = await otherServer();
      try {
        const url = `${other.origin}/named`;
        const page = await openInspector(ctx, `?url=${encodeURIComponent(url)}`);
        assert(
          (await page.getByLabel('Stream URL').inputValue()) === url,
          'the link fills the URL',
        );
        await page.getByRole('button', { name: 'Connect', exact: true }).click();
        await poll(
          async () => ((await logText(page)) ?? '').includes('héllo 中文 😀 #3'),
          10_000,
          'three greetings',
        );
        const log = (await logText(page)) ?? '';
        assert(/greeting/.test(log) && !log.includes('\ufffd'), `log: ${log.slice(0, 300)}`);
        const raw = await rawText(page);
        for (const part of [
          'retry5000',
          ': hello inspector',
          'idé-1',
          'eventgreeting',
          'datahéllo 中文 😀 #1',
        ]) {
          assert(
            raw.replace(/ /g, '').includes(part.replace(/ /g, '')),
            `raw frames show ${part}: ${raw.slice(0, 300)}`,
          );
        }
        assert(/\+\d+\.\d{3} s/.test(raw), 'each chunk has its arrival time');
        const lastId = await page.getByTestId('last-event-id').textContent();
        assert(/^é-\d+$/.test(lastId ?? ''), `last event id ${lastId}`);
        await ctx.shot(page, 'inspector-named');
      } finally {
        other.close();
      }
    },
  },
  {
    name: 'inspector: a POST stream with a JSON body and Authorization; 401, 404, text/html and a refused port show typed errors',
    timeoutMs: 60_000,
    async run(ctx) {
      const other = await otherServer();
      try {
        const page = await openInspector(ctx);
        await inspect(page, `${other.origin}/llm`, {
          headers: 'Authorization: Bearer inspector-token',
          body: '{"prompt":"hi"}',
        });
        await poll(
          async () => ((await logText(page)) ?? '').includes('[DONE]'),
          10_000,
          'the POST stream',
        );
        const log = (await logText(page)) ?? '';
        assert(
          log.includes('{"token":"Hel"}') && log.includes('{"token":" POST"}'),
          `tokens: ${log.slice(-400)}`,
        );
        assert(
          other.posts[0] === 'Bearer inspector-token {"prompt":"hi"}',
          `server saw ${other.posts[0]}`,
        );
        await ctx.shot(page, 'inspector-post');

        const refused = `http://127.0.0.1:${await freePort()}/nothing`;
        const cases: Array<[string, string, RegExp]> = [
          ['401', `${other.origin}/llm`, /HTTP 401.*Invalid API key/],
          ['404', `${other.origin}/missing`, /HTTP 404/],
          ['text/html', `${other.origin}/html`, /Content-Type text\/event-stream.*got text\/html/],
        ];
        await page.getByLabel('Headers (one per line)').fill('');
        for (const [name, url, expected] of cases) {
          await inspect(page, url);
          await poll(
            async () => expected.test((await logText(page)) ?? ''),
            10_000,
            `the ${name} error`,
          );
        }
        await page.getByLabel('Method').selectOption('GET');
        await inspect(page, refused);
        await poll(
          async () =>
            /Connection lost \(network: Could not reach .*Reconnecting/.test(
              (await logText(page)) ?? '',
            ),
          10_000,
          'the refused port',
        );
        await ctx.shot(page, 'inspector-errors');
      } finally {
        other.close();
      }
    },
  },
];
