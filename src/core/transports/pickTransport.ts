import type { ConnectionOptions } from '../types.js';
import { createFetchTransport } from './fetchTransport.js';
import { createNativeTransport } from './nativeTransport.js';
import type { Transport } from './transport.js';

/**
 * Options the browser's own EventSource cannot honour: it sends a plain GET, keeps no buffer
 * limit and retries on its own clock. `reconnect: false` and `maxAttempts` are honoured (the
 * connection counts the browser's retries and closes it).
 */
const NATIVE_LIMITS = [
  'headers',
  'body',
  'fetch',
  'retryOn',
  'maxBufferSize',
  'stallTimeout',
  'lastEventId',
] as const;

/**
 * The transport a connection's options ask for: fetch unless told otherwise. Asking the native
 * one for what it cannot do throws at once, naming each option, instead of ignoring them.
 */
export function pickTransport(options: ConnectionOptions): Transport {
  const choice = options.transport ?? 'fetch';
  if (typeof choice === 'object') return choice;
  if (choice !== 'native') return createFetchTransport(options.fetch);
  const { reconnect } = options;
  const refused: string[] = NATIVE_LIMITS.filter((name) => options[name] != null);
  if ((options.method ?? 'GET').toUpperCase() !== 'GET') refused.push('method');
  if (reconnect && Object.keys(reconnect).some((key) => key !== 'maxAttempts')) {
    refused.push('reconnect delays');
  }
  if (refused.length) {
    throw new TypeError(
      `transport 'native' cannot honour: ${refused.join(', ')} (the browser's EventSource sends a plain GET and retries on its own clock). Use the default fetch transport.`,
    );
  }
  return createNativeTransport();
}
