import type { Page } from 'playwright-core';
import { poll } from './lib';

export interface LoggedEvent {
  id: number;
  type: string;
  text: string;
}

/** Drives the control panel the way a user does: by labels, roles and visible text. */
export class PanelPage {
  constructor(readonly page: Page) {}

  status(): Promise<string> {
    return this.page
      .getByTestId('status-text')
      .textContent({ timeout: 5000 })
      .then((text) => (text ?? '').trim());
  }

  /** Waits until the status text matches; returns the text seen. */
  async waitStatus(pattern: RegExp, ms = 10_000): Promise<string> {
    return poll(
      async () => {
        const text = await this.status();
        return pattern.test(text) ? text : undefined;
      },
      ms,
      `status matching ${pattern}`,
      50,
    );
  }

  async connect(): Promise<void> {
    await this.page.getByRole('button', { name: 'Connect', exact: true }).click();
    await this.waitStatus(/^connected$/);
  }

  async disconnect(): Promise<void> {
    await this.page.getByRole('button', { name: 'Disconnect', exact: true }).click();
    await this.waitStatus(/^disconnected$/);
  }

  async send(type: string, message: string): Promise<void> {
    await this.page.getByLabel('Event type').selectOption(type);
    await this.page.getByLabel('Custom message').fill(message);
    await this.page.getByRole('button', { name: 'Send event' }).click();
  }

  /** The SSE events in the log (entries with an event id), oldest first. */
  events(): Promise<LoggedEvent[]> {
    return this.page.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLElement>('[role="log"] [data-event-id]')).map(
        (el) => ({
          id: Number(el.dataset.eventId),
          type: el.dataset.type ?? '',
          text: el.querySelector('.log-text')?.textContent ?? '',
        }),
      ),
    );
  }

  /** Waits for a logged event matching `match`. */
  async waitEvent(match: (event: LoggedEvent) => boolean, what: string, ms = 10_000) {
    return poll(async () => (await this.events()).find(match), ms, what, 50);
  }

  /** Waits until `n` more ids than `after` have been logged. */
  async waitMoreEvents(after: number, n: number, ms = 10_000): Promise<LoggedEvent[]> {
    return poll(
      async () => {
        const events = await this.events();
        return events.length >= after + n ? events : undefined;
      },
      ms,
      `${n} more logged events`,
      100,
    );
  }
}

/** Ids that are missing between the first and the last, and ids logged more than once. */
export function checkSequence(ids: number[]): { gaps: number[]; duplicates: number[] } {
  const seen = new Set<number>();
  const duplicates: number[] = [];
  for (const id of ids) {
    if (seen.has(id)) duplicates.push(id);
    seen.add(id);
  }
  const gaps: number[] = [];
  if (ids.length > 0) {
    const min = Math.min(...ids);
    const max = Math.max(...ids);
    for (let id = min; id <= max; id++) if (!seen.has(id)) gaps.push(id);
  }
  return { gaps, duplicates };
}
