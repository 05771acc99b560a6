// 'sse-hooks/devtools': a panel for development; apps pay for it only where they import it.
export { SSEDevtools } from './SSEDevtools.js';
export type { SSEDevtoolsProps } from './SSEDevtools.js';
