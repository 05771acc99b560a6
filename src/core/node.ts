// `sse-hooks/core` as Node resolves it (the `node` export condition): the same API, with Node's
// own http as the EventSource class's transport. Browser bundles resolve index.ts, without it.
import { platformDefaults } from './eventSource.js';
import { createNodeTransport } from './transports/nodeTransport.js';

platformDefaults.transport = createNodeTransport;

export * from './index.js';
