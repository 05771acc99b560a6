import { nativeRefusals } from '../options.js';
import type { ConnectionOptions } from '../types.js';
import { createFetchTransport } from './fetchTransport.js';
import { createNativeTransport } from './nativeTransport.js';
import type { Transport } from './transport.js';

/**
 * The transport a connection's options ask for: fetch unless told otherwise. Asking the native
 * one for what it cannot do throws at once, naming each option, instead of ignoring them.
 */
export function pickTransport(options: ConnectionOptions): Transport {
  const choice = options.transport ?? 'fetch';
  if (typeof choice === 'object') return choice;
  if (choice !== 'native') return createFetchTransport(options.fetch);
  // The browser's EventSource sends a plain GET, keeps no buffer limit and retries on its own
  // clock; `reconnect: false` and `maxAttempts` are honoured (the connection counts its retries).
  const refused = nativeRefusals(options);
  if (refused.length) {
    throw new TypeError(
      `transport 'native' cannot honour: ${refused.join(', ')} (the browser's EventSource sends a plain GET and retries on its own clock). Use the default fetch transport.`,
    );
  }
  return createNativeTransport();
}
