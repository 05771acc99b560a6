import type { SSEMessage } from './types.js';

/**
 * The default token extractor. JSON data in the OpenAI chat shape
 * (`{"choices":[{"delta":{"content":"Hi"}}]}`) gives `delta.content`; the completions shape gives
 * `choices[0].text`; `{"delta":{"text":...}}` (Anthropic) and `{"delta":"..."}` (OpenAI
 * Responses) give that text; a JSON string gives itself. Data that is not JSON is the token
 * as is. Anything else (role-only chunks, usage reports) gives `undefined`.
 *
 * @example
 * ```ts
 * selectToken({ type: 'message', data: '{"choices":[{"delta":{"content":"Hi"}}]}', lastEventId: '', origin: '' }); // 'Hi'
 * ```
 */
export function selectToken(message: SSEMessage): string | undefined {
  const data = message.data;
  // Plain text tokens are the common case: no JSON.parse and no exception for them.
  if (!/^\s*["{[]/.test(data)) return data;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return data;
  }
  if (typeof value === 'string') return value;
  const { choices, delta } = (value ?? {}) as {
    choices?: { delta?: { content?: unknown }; text?: unknown }[];
    delta?: unknown;
  };
  const choice = Array.isArray(choices) && choices[0];
  const token = choice
    ? (choice.delta?.content ?? choice.text)
    : typeof delta === 'string'
      ? delta
      : (delta as { text?: unknown } | null | undefined)?.text;
  return typeof token === 'string' ? token : undefined;
}
