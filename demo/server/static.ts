import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/**
 * Serves a built single-page app from `root`: existing files as they are (hashed assets cached
 * for good), any other GET for a path without a file extension falls back to index.html.
 */
export function createStaticHandler(root: string) {
  const base = path.resolve(root);
  const index = path.join(base, 'index.html');

  const fileAt = (pathname: string): string | undefined => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return undefined;
    }
    if (decoded.includes('\0')) return undefined;
    const file = path.resolve(base, '.' + path.posix.normalize('/' + decoded));
    if (file !== base && !file.startsWith(base + path.sep)) return undefined;
    try {
      const stat = fs.statSync(file);
      if (stat.isFile()) return file;
      if (stat.isDirectory()) {
        const nested = path.join(file, 'index.html');
        if (fs.statSync(nested, { throwIfNoEntry: false })?.isFile()) return nested;
      }
    } catch {
      // not there
    }
    return undefined;
  };

  return function serveStatic(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Method Not Allowed\n');
      return;
    }
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    let file = fileAt(pathname);
    if (!file && path.posix.extname(pathname) === '' && fs.existsSync(index)) file = index;
    if (!file) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Not Found\n');
      return;
    }
    const stat = fs.statSync(file);
    const immutable = /^assets[\\/]/.test(path.relative(base, file));
    res.writeHead(200, {
      'Content-Type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': stat.size,
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = fs.createReadStream(file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  };
}
