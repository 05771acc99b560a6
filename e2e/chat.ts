import type { Scenario } from './types';

export const chatScenarios: Scenario[] = [];
