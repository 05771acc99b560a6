import type { Browser, Page } from 'playwright-core';
import type { DemoServer } from './lib';

export interface ScenarioContext {
  server: DemoServer;
  browser: Browser;
  /** A fresh page in its own browser context; closed when the scenario ends. */
  newPage(path?: string): Promise<Page>;
  /** Saves a full-page screenshot to artifacts/e2e/<name>.png. */
  shot(page: Page, name: string): Promise<void>;
  /** A line of figures, printed under the scenario's result and in the summary. */
  figure(line: string): void;
}

export interface Scenario {
  name: string;
  /** Upper bound for the whole scenario. */
  timeoutMs: number;
  run(ctx: ScenarioContext): Promise<void>;
}
