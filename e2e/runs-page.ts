import type { Locator, Page } from '@playwright/test';

/** The Runs page (`/runs`) as a person uses it: filters, the table of stored runs, each run's actions. */
export class RunsPage {
  /** The table's rows, its header first. */
  readonly rows: Locator;
  readonly compareSelected: Locator;

  constructor(readonly page: Page) {
    this.rows = page.getByRole('table').getByRole('row');
    this.compareSelected = page.getByRole('button', { name: /^Compare selected/ });
  }

  /** The row of one run, found by its Open button. */
  row(runId: string): Locator {
    return this.page.getByRole('row').filter({ has: this.openButton(runId) });
  }

  /** A column of a run's row: duplicates, lost, faults, duration, ended. */
  cell(runId: string, column: 'duplicates' | 'lost' | 'faults' | 'duration' | 'ended'): Locator {
    return this.row(runId).locator(`[data-col="${column}"]`);
  }

  openButton(runId: string): Locator {
    return this.page.getByRole('button', { name: `Open run ${runId}` });
  }

  async open(runId: string): Promise<void> {
    await this.openButton(runId).click();
  }

  /** Filters by mode, verdict, how the run ended or backend; '' shows all again. */
  async filterBy(what: 'mode' | 'verdict' | 'how the run ended' | 'backend', value: string): Promise<void> {
    await this.page.getByLabel(`Filter by ${what}`).selectOption(value);
  }

  /** Ticks a run for a side-by-side comparison. */
  async pick(runId: string): Promise<void> {
    await this.page.getByRole('checkbox', { name: `Pick run ${runId} to compare` }).check();
  }

  /** Presses Delete on a run: the page asks first. */
  async askToDelete(runId: string): Promise<Locator> {
    await this.page.getByRole('button', { name: `Delete run ${runId}` }).click();
    return this.page.getByRole('group', { name: `Delete run ${runId}?` });
  }

  /** Deletes a run for good: Delete, then "Yes, delete". */
  async delete(runId: string): Promise<void> {
    await this.askToDelete(runId);
    await this.page.getByRole('button', { name: `Yes, delete run ${runId}` }).click();
  }

  async importFile(path: string): Promise<void> {
    await this.page.getByLabel('Import a run').setInputFiles(path);
  }
}
