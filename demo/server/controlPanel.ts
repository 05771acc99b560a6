/**
 * The control panel's events: the server loop of the ThinkPHP SSE example (an event every tick,
 * `notification` every 10th, `alert` every 7th, `update` every 5th, `message` otherwise) and the
 * events a user asks for through POST /api/send. Payload fields follow that example.
 */

export const PANEL_EVENT_TYPES = ['message', 'notification', 'alert', 'update'] as const;
export type PanelEventType = (typeof PANEL_EVENT_TYPES)[number];

export const MAX_MESSAGE_LENGTH = 1000;
export const SEND_BODY_LIMIT = 16 * 1024;

export type PanelPayload = Record<string, unknown> & {
  message: string;
  time: string;
  source: 'server' | 'user';
};

const pad = (n: number) => String(n).padStart(2, '0');

/** `HH:MM:SS`, local time. */
export function clockTime(date: Date): string {
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** `YYYY-MM-DD HH:MM:SS`, local time. */
export function dateTime(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${clockTime(date)}`;
}

const randomInt = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));

/** Event name of the loop's n-th tick (n counts from 1). */
export function tickType(n: number): PanelEventType {
  if (n % 10 === 0) return 'notification';
  if (n % 7 === 0) return 'alert';
  if (n % 5 === 0) return 'update';
  return 'message';
}

export function tickPayload(n: number, now = new Date()): PanelPayload {
  const time = clockTime(now);
  const base = { time, counter: n, ts: now.getTime(), source: 'server' as const };
  switch (tickType(n)) {
    case 'notification':
      return { message: `System notification #${n}`, priority: 'medium', ...base };
    case 'alert':
      return { message: `System alert #${n}`, level: 'warning', ...base };
    case 'update':
      return { message: `Data updated #${n}`, id: randomInt(1000, 9999), ...base };
    default:
      return { message: `Server time: ${dateTime(now)}`, ...base };
  }
}

/** The text sent when the user leaves the message empty. */
export function defaultMessage(type: PanelEventType): string {
  return `This is a test message of type ${type}`;
}

export function userPayload(type: PanelEventType, message: string, now = new Date()): PanelPayload {
  const base = { time: clockTime(now), ts: now.getTime(), source: 'user' as const };
  switch (type) {
    case 'notification':
      return { message, priority: 'high', ...base };
    case 'alert':
      return { message, level: 'warning', ...base };
    case 'update':
      return { message, id: randomInt(1000, 9999), ...base };
    default:
      return { message, ...base };
  }
}

export interface SendRequest {
  type: PanelEventType;
  message: string;
}

/** Validates a POST /api/send body; returns the request or a readable error. */
export function parseSendRequest(body: unknown): SendRequest | { error: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { error: 'body must be a JSON object: { "type": ..., "message": ... }' };
  }
  const { type, message } = body as Record<string, unknown>;
  if (typeof type !== 'string' || !(PANEL_EVENT_TYPES as readonly string[]).includes(type)) {
    return {
      error: `"type" must be one of ${PANEL_EVENT_TYPES.join(', ')}; got ${JSON.stringify(type) ?? 'nothing'}`,
    };
  }
  if (message !== undefined && message !== null && typeof message !== 'string') {
    return { error: `"message" must be a string; got ${typeof message}` };
  }
  const text = typeof message === 'string' ? message : '';
  if (text.length > MAX_MESSAGE_LENGTH) {
    return {
      error: `"message" is ${text.length} characters long; the limit is ${MAX_MESSAGE_LENGTH}`,
    };
  }
  const panelType = type as PanelEventType;
  return { type: panelType, message: text.trim() === '' ? defaultMessage(panelType) : text };
}
