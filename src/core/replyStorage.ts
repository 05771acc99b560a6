/**
 * Replies kept across a page reload (`resumeKey`): the resume URL, the last event ID and the text
 * received up to the event that carried it, in `sessionStorage`. Storage may be full, blocked
 * (privacy settings, sandboxed frames) or hold anything: then nothing is kept or resumed.
 */

/** Where resumable replies are kept (the part of the Web Storage API used). */
export interface ReplyStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface StoredReply {
  url: string;
  id: string;
  text: string;
  at: number;
}

/** The stored reply is written at most this often while streaming, and when the page hides. */
const SAVE_EVERY_MS = 250;
/** A stored reply older than this is not resumed. */
const TTL_MS = 10 * 60_000;
const PREFIX = 'sse-hooks:reply:';

/** `sessionStorage`, or null where it is missing or reading it throws. */
export function sessionReplyStorage(): ReplyStorage | null {
  try {
    return (globalThis as { sessionStorage?: ReplyStorage }).sessionStorage ?? null;
  } catch {
    return null;
  }
}

/** The reply stored under `key` if it is whole and recent; anything else stored there is dropped. */
export function readReply(storage: ReplyStorage | null, key: string): StoredReply | null {
  try {
    const raw = storage?.getItem(PREFIX + key);
    if (raw == null) return null;
    const reply = JSON.parse(raw) as Partial<StoredReply>;
    if (
      typeof reply.url === 'string' &&
      typeof reply.id === 'string' &&
      reply.id !== '' &&
      typeof reply.text === 'string' &&
      typeof reply.at === 'number' &&
      Date.now() - reply.at < TTL_MS
    ) {
      return reply as StoredReply;
    }
    storage!.removeItem(PREFIX + key);
  } catch {
    // Unreadable: nothing to resume.
  }
  return null;
}

/** Stores `reply` under `key`, or removes what is stored there when `reply` is null. */
export function writeReply(
  storage: ReplyStorage | null,
  key: string,
  reply: StoredReply | null,
): void {
  try {
    if (reply) storage?.setItem(PREFIX + key, JSON.stringify(reply));
    else storage?.removeItem(PREFIX + key);
  } catch {
    // Full or blocked: the reply just cannot survive a reload.
  }
}

/**
 * Calls `hide` when the page unloads or enters the back/forward cache, `show` when it comes back
 * from that cache, and `hidden` when it is hidden (a page may be discarded without a `pagehide`).
 * Returns the function that stops watching.
 */
export function watchPage(hide: () => void, show: () => void, hidden: () => void): () => void {
  const host = globalThis as Partial<Pick<Window, 'addEventListener' | 'removeEventListener'>>;
  if (typeof host.addEventListener !== 'function') return () => {};
  const visibility = () => {
    if ((globalThis as { document?: Document }).document?.visibilityState === 'hidden') hidden();
  };
  const events = { pagehide: hide, pageshow: show, visibilitychange: visibility };
  for (const [type, listener] of Object.entries(events)) host.addEventListener(type, listener);
  return () => {
    for (const [type, listener] of Object.entries(events))
      host.removeEventListener!(type, listener);
  };
}

/**
 * The stored checkpoint of a running reply: the last event id and the text received up to the
 * event that set it, so a replay after that id neither repeats nor skips a token. Nothing is
 * stored without a `key` or before the first id.
 */
export function replyCheckpoint(
  storage: () => ReplyStorage | null,
  key: string | undefined,
  url: string,
  id: string,
  text: string,
  now: () => number,
): { save: () => void; moved: (id: string, text: string) => void } {
  let savedAt = -Infinity;
  const save = () => {
    if (key === undefined || id === '') return;
    savedAt = now();
    writeReply(storage(), key, { url, id, text, at: Date.now() });
  };
  return {
    save,
    /** An event arrived: `text` is all received with it. */
    moved(eventId, received) {
      if (eventId === id) return;
      id = eventId;
      text = received;
      if (now() - savedAt >= SAVE_EVERY_MS) save();
    },
  };
}
