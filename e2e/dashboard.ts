import { expect, type Locator, type Page } from '@playwright/test';

/** The dashboard as a person uses it: by role and accessible name. */
export class Dashboard {
  readonly verdict: Locator;
  readonly exactlyOnce: Locator;
  readonly start: Locator;
  readonly injectFailure: Locator;
  /** The duplicates chart, with its latest values in words under it. */
  readonly duplicatesChart: Locator;
  /** The chart's latest values, in words under it. */
  readonly duplicatesReadout: Locator;

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
    this.duplicatesChart = page.getByRole('figure', { name: 'Duplicates and missing values chart' });
    this.duplicatesReadout = this.duplicatesChart.locator('figcaption');
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
    const input = this.page.getByLabel(label, { exact: true });
    await input.fill(String(value));
    // Knobs are checked when they lose the focus, as a person moving on would.
    await input.blur();
  }

  async runState(): Promise<Locator> {
    return this.page.locator('.run-status .pill');
  }

  /**
   * Waits until the charts have taken the latest data (each refreshes a little after the store,
   * in its own slot): the two cumulative charts read the same moment and latency is drawn.
   */
  async chartsSettled(): Promise<void> {
    const readout = (name: string) =>
      this.page.getByRole('figure', { name: `${name} chart` }).locator('figcaption');
    const momentOf = async (name: string) =>
      /^at ([\d,]+) ms/.exec((await readout(name).textContent()) ?? '')?.[1];
    await expect(readout('Visibility latency')).not.toHaveText('no value read yet');
    await expect
      .poll(
        async () =>
          (await momentOf('Events over virtual time')) === (await momentOf('Duplicates and missing values')),
      )
      .toBe(true);
    await expect(readout('Events over virtual time')).toContainText(`at ${await this.lastBucketMs()} ms`);
  }

  /** The end of the last metrics bucket of the run on screen (charts draw a bucket at its end). */
  private async lastBucketMs(): Promise<string> {
    const runId = new URL(this.page.url()).searchParams.get('run');
    const run = await (await this.page.request.get(`/api/runs/${runId}`)).json();
    const buckets: { t: number }[] = run.buckets;
    const last = buckets.at(-1)?.t ?? 0;
    const width = buckets.length > 1 ? last - buckets.at(-2)!.t : 10;
    return (last + width).toLocaleString('en');
  }

  duplicateCount(): Locator {
    return this.page.getByTestId('duplicate-count');
  }
}
