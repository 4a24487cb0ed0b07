import { expect, type Locator, type Page } from '@playwright/test';

/** The dashboard as a person uses it: by role and accessible name. */
export class Dashboard {
  readonly verdict: Locator;
  readonly exactlyOnce: Locator;
  readonly start: Locator;
  readonly injectFailure: Locator;

  /** Errors the page logged; a person would see a broken page where a test sees one of these. */
  readonly consoleErrors: string[] = [];

  constructor(readonly page: Page) {
    page.on('console', (msg) => {
      if (msg.type() === 'error') this.consoleErrors.push(msg.text());
    });
    page.on('pageerror', (error) => this.consoleErrors.push(error.message));
    this.verdict = page.getByRole('status', { name: 'Checker verdict' });
    this.exactlyOnce = page.getByRole('switch', { name: 'Exactly-once' });
    this.start = page.getByRole('button', { name: 'Start', exact: true });
    this.injectFailure = page.getByRole('button', { name: 'Inject failure', exact: true });
  }

  async open(path = '/'): Promise<void> {
    await this.page.goto(path);
    await expect(this.page.getByRole('heading', { name: 'Exactly-Once Lab' })).toBeVisible();
    await expect(this.page.getByRole('alert')).toHaveCount(0);
  }

  /** Opens the dashboard and runs the sample (the seed preset) with exactly-once on or off. */
  async runSeed(exactlyOnce: boolean): Promise<void> {
    await this.open();
    await this.choosePreset('seed');
    await this.setExactlyOnce(exactlyOnce);
    await this.start.click();
  }

  async choosePreset(id: string): Promise<void> {
    await this.page.getByLabel('Preset').selectOption(id);
  }

  async setExactlyOnce(on: boolean): Promise<void> {
    if ((await this.exactlyOnce.isChecked()) !== on) await this.exactlyOnce.click();
    await expect(this.exactlyOnce).toBeChecked({ checked: on });
  }

  async setSpeed(speed: '1x' | '10x' | '100x' | 'max'): Promise<void> {
    await this.page.getByRole('radio', { name: speed }).check();
  }

  async setKnob(label: string, value: number): Promise<void> {
    const knobs = this.page.locator('details.knobs');
    if (!(await knobs.evaluate((d) => (d as HTMLDetailsElement).open)))
      await knobs.locator('summary').click();
    await this.page.getByLabel(label, { exact: true }).fill(String(value));
  }

  async runState(): Promise<Locator> {
    return this.page.locator('.run-status .pill');
  }

  duplicateCount(): Locator {
    return this.page.getByTestId('duplicate-count');
  }
}
