import { isIP } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Who may call the API. A local demo server is reachable from every page the user's browser
 * opens, so without these checks any web site could drive it: a plain HTML form can POST to it,
 * and a DNS name rebound to 127.0.0.1 makes its requests look same-origin.
 */
export interface SiteOptions {
  /**
   * Other origins (`https://tools.example.com`) whose pages may call the API. They get CORS
   * headers without credentials. Default: none, only the demo's own origin.
   */
  allowedOrigins?: readonly string[];
  /**
   * Host names besides the bound address (and `localhost` on a loopback address) that requests may
   * name in their `Host` header, e.g. the public name of a proxy in front. Default: none.
   */
  allowedHosts?: readonly string[];
}

export type SiteVerdict =
  | { ok: true; /** Set when an allowed foreign origin needs CORS headers. */ cors?: string }
  | { ok: false; status: 403; message: string };

const stripBrackets = (host: string) =>
  host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;

/** `::ffff:127.0.0.1` (an IPv4 client on a dual-stack socket) is the IPv4 address. */
const plainAddress = (address: string) =>
  address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;

const isLoopback = (address: string) => address === '::1' || /^127\./.test(address);

/** The host name of a `Host` header value (`name:port`, `[v6]:port`), lower-cased; '' if bad. */
export function hostName(header: string): string {
  const value = header.trim().toLowerCase();
  if (value === '' || /[\s/@?#\\]/.test(value)) return '';
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    if (end < 0 || (end + 1 < value.length && !/^:\d{1,5}$/.test(value.slice(end + 1)))) return '';
    return value.slice(0, end + 1);
  }
  const colon = value.indexOf(':');
  if (colon < 0) return value;
  return /^\d{1,5}$/.test(value.slice(colon + 1)) ? value.slice(0, colon) : '';
}

/** Whether an origin names the `Host` a request was sent to (`:80` / `:443` or not). */
function sameHost(origin: string, host: string): boolean {
  const url = new URL(origin);
  try {
    return url.host === new URL(`${url.protocol}//${host.trim()}`).host;
  } catch {
    return false;
  }
}

function normalizeOrigin(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}

/**
 * Builds the check every `/api` request goes through.
 *
 * - `Host` must name the address the request arrived on (any loopback address or `localhost` when
 *   that is a loopback address) or a listed host. A DNS rebinding page sends its own name here.
 *   The port is not compared, so a proxy on another port may pass `Host` through unchanged.
 * - A request with an `Origin` is served when that origin is the request's own (`http(s)://` +
 *   `Host`) or a listed one; anything else, `null` included, is refused. A request without
 *   `Origin` is a non-browser client or a same-origin GET, unless the browser's
 *   `Sec-Fetch-Site` says it came from another site (a link, an image, a no-cors fetch).
 */
export function createSiteCheck(options: SiteOptions = {}) {
  const origins = new Set<string>();
  for (const origin of options.allowedOrigins ?? []) {
    const normalized = normalizeOrigin(origin);
    if (!normalized) throw new TypeError(`allowed origin ${JSON.stringify(origin)} is not a URL`);
    origins.add(normalized);
  }
  const hosts = new Set((options.allowedHosts ?? []).map((h) => h.trim().toLowerCase()));

  const hostAllowed = (req: IncomingMessage, name: string): boolean => {
    if (hosts.has(name)) return true;
    const local = plainAddress(req.socket.localAddress ?? '');
    const bare = stripBrackets(name);
    if (isIP(bare)) return bare === local || (isLoopback(bare) && isLoopback(local));
    return isLoopback(local) && (name === 'localhost' || name.endsWith('.localhost'));
  };

  return function check(req: IncomingMessage): SiteVerdict {
    const host = typeof req.headers.host === 'string' ? req.headers.host : '';
    const name = hostName(host);
    if (name === '' || !hostAllowed(req, name)) {
      return { ok: false, status: 403, message: `Host ${JSON.stringify(host)} is not served here` };
    }
    const origin = req.headers.origin;
    if (origin === undefined) {
      const site = req.headers['sec-fetch-site'];
      if (site === 'cross-site' || site === 'same-site') {
        return { ok: false, status: 403, message: 'cross-site requests are not allowed' };
      }
      return { ok: true };
    }
    const normalized = normalizeOrigin(origin);
    if (normalized !== undefined) {
      if (sameHost(normalized, host)) return { ok: true };
      if (origins.has(normalized)) return { ok: true, cors: normalized };
    }
    return { ok: false, status: 403, message: `origin ${JSON.stringify(origin)} is not allowed` };
  };
}

/** CORS headers for an allowed foreign origin: no credentials, ever. */
export function applyCors(res: ServerResponse, origin: string | undefined): void {
  res.setHeader('Vary', 'Origin');
  if (origin === undefined) return;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Expose-Headers', 'X-Dashboard-Rate, X-Chat-Topic');
}

export function answerPreflight(
  req: IncomingMessage,
  res: ServerResponse,
  origin: string | undefined,
): void {
  applyCors(res, origin);
  res.writeHead(204, {
    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
    'Access-Control-Allow-Headers':
      req.headers['access-control-request-headers'] ??
      'Authorization, Content-Type, Last-Event-ID, Cache-Control',
    'Access-Control-Max-Age': '600',
  });
  res.end();
}

/** `application/json`, with or without parameters, or any `+json` type. */
export function isJsonContentType(header: string | undefined): boolean {
  const type = (header ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type);
}
