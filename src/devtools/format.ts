/** The most characters of one value the panel shows: hostile or huge data stays cheap. */
export const DISPLAY_LIMIT = 2000;

// eslint-disable-next-line no-control-regex -- control characters are what it makes visible
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/** Data longer than this is shown as text without trying JSON. */
const PARSE_LIMIT = 100_000;

/** `text` cut to `limit` characters, saying how much was left out. */
export function truncate(text: string, limit = DISPLAY_LIMIT): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}… (${text.length - limit} more)`;
}

/**
 * Event data for display: pretty-printed when it is JSON, else as it came; control characters
 * made visible; always plain text (React renders it as a text node, never as markup).
 */
export function displayData(data: string): string {
  let text = data;
  if (data.length <= PARSE_LIMIT && /^\s*[[{"]/.test(data)) {
    try {
      text = JSON.stringify(JSON.parse(data), null, 2);
    } catch {
      // Not JSON after all: shown as it came.
    }
  }
  return truncate(
    text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
  );
}

/** `n` per second, short: `950/s`, `12.3k/s`. */
export function rate(n: number, unit = ''): string {
  if (n < 1000) return `${Math.round(n)}${unit}/s`;
  if (n < 1e6) return `${(n / 1000).toFixed(1)}k${unit}/s`;
  return `${(n / 1e6).toFixed(1)}M${unit}/s`;
}
