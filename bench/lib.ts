/**
 * The library as users get it: the built files in `dist/` (`npm run bench` builds first), loaded
 * as plain JavaScript, exactly as the peer libraries are loaded from their packages. Importing
 * the TypeScript sources would measure the dev-time transform instead (it rewrites classes, and
 * made event construction some ten times slower here).
 */
import { existsSync } from 'node:fs';
import type * as Core from '../src/core/index.js';
import type * as Chat from '../src/chat.js';
import type * as Entry from '../src/index.js';

const core = new URL('../dist/core-node.js', import.meta.url);
const entry = new URL('../dist/index.js', import.meta.url);
const chat = new URL('../dist/chat.js', import.meta.url);
if (!existsSync(core) || !existsSync(entry) || !existsSync(chat)) {
  throw new Error('dist/ is missing: run `npm run build` first (`npm run bench` does)');
}

/** 'sse-hooks/core', built, as Node resolves it. */
export const built: typeof Core = await import(core.href);
/** 'sse-hooks', built. */
export const builtReact: typeof Entry = await import(entry.href);
/** 'sse-hooks/chat', built. */
export const builtChat: typeof Chat = await import(chat.href);
