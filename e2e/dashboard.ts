import type { Scenario } from './types';

export const dashboardScenarios: Scenario[] = [];
