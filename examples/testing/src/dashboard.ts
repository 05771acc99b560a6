import { defineStream } from 'sse-hooks';

export type DashboardEvents = {
  alert: { level: 'info' | 'critical'; message: string };
  tick: { n: number };
};

export const dashboard = defineStream<DashboardEvents>('/api/dashboard');
