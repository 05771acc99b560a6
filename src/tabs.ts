// 'sse-hooks/tabs': one connection per browser instead of one per tab. A separate entry so that
// apps that do not share streams across tabs never ship the election and the channel protocol.

export { tabs, createTabSharing, TabConnection } from './core/tabs.js';
export type { TabChannel, TabLocks, TabSharingOptions } from './core/tabs.js';
export type { Continuity, ShareStrategy, StreamConnection } from './core/index.js';
