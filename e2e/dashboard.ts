import type { Report } from '@eolab/engine';
import { expect, type Locator, type Page } from '@playwright/test';
import { RunsPage } from './runs-page';

export type Speed = '1x' | '10x' | '100x' | 'max';

/** The verdicts the checker panel shows for a whole run. */
export const FOUND_DUPLICATES = 'Found duplicates';
export const EXACTLY_ONCE = 'No duplicate found. EXACTLY_ONCE!';

/** A run as the sidebar sets it up: a preset, the exactly-once switch, knobs by label, a speed. */
export interface RunSetup {
  /** Left as the sidebar has it when not given (each of these). */
  preset?: string;
  exactlyOnce?: boolean;
  /** Knobs by their label, e.g. `{ Events: 5_000, 'Restart attempts': 2 }`, set in this order. */
  knobs?: Record<string, number>;
  speed?: Speed;
}

/** A run as the server stores it (`GET /api/runs/:id`), the parts the tests read. */
export interface StoredRun {
  run: { id: string; state: string; name: string };
  /** Null until the run has ended: read it once the verdict is on screen. */
  report: Report;
  faultTimeline: { kind: string; atMs?: number }[];
  buckets: { t: number }[];
  scenario: { system: 'pravega' | 'kafka' };
}

/** The dashboard as a person uses it: by role and accessible name. */
export class Dashboard {
  readonly verdict: Locator;
  readonly exactlyOnce: Locator;
  readonly start: Locator;
  readonly injectFailure: Locator;
  /** The header's line about the run on screen: its id, mode, virtual time, state, restarts left. */
  readonly runStatus: Locator;
  /** The run's state in the header: running, paused, stopped, finished… */
  readonly statePill: Locator;
  /** "restarts left N of M" in the header. */
  readonly restartBudget: Locator;
  /** The duplicates chart, with its latest values in words under it. */
  readonly duplicatesChart: Locator;
  /** The chart's latest values, in words under it. */
  readonly duplicatesReadout: Locator;
  /** The duplicate values the checker found, as ranges ("17..24"). */
  readonly duplicateValues: Locator;
  /** The narration's sentences, each a button that marks its moment on the charts. */
  readonly sentences: Locator;

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
    this.runStatus = page.locator('.run-status');
    this.statePill = page.locator('.run-status .pill');
    this.restartBudget = page.locator('.run-status .restarts');
    this.duplicatesChart = page.getByRole('figure', { name: 'Duplicates and missing values chart' });
    this.duplicatesReadout = this.duplicatesChart.locator('figcaption');
    this.duplicateValues = page.getByTestId('duplicate-values');
    this.sentences = page.getByRole('list', { name: 'Narration' }).getByRole('button');
  }

  async open(path = '/'): Promise<void> {
    await this.page.goto(path);
    await expect(this.page.getByRole('heading', { name: 'Exactly-Once Lab' })).toBeVisible();
    await expect(this.page.getByRole('alert')).toHaveCount(0);
  }

  /** Sets the sidebar up for a run: the preset first (it resets the knobs), then the rest. */
  async setUp({ preset, exactlyOnce, knobs = {}, speed }: RunSetup): Promise<void> {
    if (preset !== undefined) await this.choosePreset(preset);
    if (exactlyOnce !== undefined) await this.setExactlyOnce(exactlyOnce);
    for (const [label, value] of Object.entries(knobs)) await this.setKnob(label, value);
    if (speed !== undefined) await this.setSpeed(speed);
  }

  /** Opens the dashboard, sets a run up and presses Start. */
  async startRun(setup: RunSetup): Promise<void> {
    await this.open();
    await this.setUp(setup);
    await this.start.click();
  }

  /** Opens the dashboard and runs the sample (the seed preset) with exactly-once on or off. */
  async runSeed(exactlyOnce: boolean): Promise<void> {
    await this.startRun({ preset: 'seed', exactlyOnce });
  }

  /** Runs the seed to its verdict: duplicates 17..24 with exactly-once off, none with it on. */
  async runSeedToVerdict(exactlyOnce: boolean): Promise<void> {
    await this.runSeed(exactlyOnce);
    await this.expectSeedVerdict(exactlyOnce);
  }

  /** Flips the switch, starts again (same preset and knobs) and waits for the seed's verdict. */
  async runSeedAgain(exactlyOnce: boolean): Promise<void> {
    await this.setExactlyOnce(exactlyOnce);
    await this.start.click();
    await this.expectSeedVerdict(exactlyOnce);
  }

  async expectSeedVerdict(exactlyOnce: boolean): Promise<void> {
    await expect(this.verdict).toHaveText(exactlyOnce ? EXACTLY_ONCE : FOUND_DUPLICATES);
  }

  /** The run on screen, as the address names it (`?run=ID`). */
  runId(): string {
    const id = new URL(this.page.url()).searchParams.get('run');
    if (id === null) throw new Error(`no run in the address ${this.page.url()}`);
    return id;
  }

  /** The runs a comparison's address names (`/compare?runs=A,B,C`). */
  comparedRunIds(): string[] {
    return (new URL(this.page.url()).searchParams.get('runs') ?? '').split(',').filter((id) => id !== '');
  }

  /** The run on screen as the server holds it (`GET /api/runs/:id`). */
  async storedRun(runId = this.runId()): Promise<StoredRun> {
    return (await this.page.request.get(`/api/runs/${runId}`)).json() as Promise<StoredRun>;
  }

  async choosePreset(id: string): Promise<void> {
    await this.page.getByLabel('Preset').selectOption(id);
  }

  async setExactlyOnce(on: boolean): Promise<void> {
    if ((await this.exactlyOnce.isChecked()) !== on) await this.exactlyOnce.click();
    await expect(this.exactlyOnce).toBeChecked({ checked: on });
  }

  /** The system the next run writes to: Pravega (the sample's) or Kafka. */
  async chooseSystem(system: 'pravega' | 'kafka'): Promise<void> {
    await this.page.getByRole('combobox', { name: 'System' }).selectOption(system);
  }

  /** Runs the run on screen again on the other system and opens Pravega vs Kafka in Compare. */
  async runOnOtherSystemToo(other: 'Kafka' | 'Pravega'): Promise<void> {
    await this.page.getByRole('button', { name: `Run this on ${other} too` }).click();
  }

  /** Where the next run happens: 'Simulated' or 'PostgreSQL, real processes'. */
  async chooseBackend(name: 'Simulated' | 'PostgreSQL, real processes'): Promise<void> {
    await this.page.getByRole('radio', { name }).check();
  }

  async setSpeed(speed: Speed): Promise<void> {
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
    return this.statePill;
  }

  async pause(): Promise<void> {
    await this.page.getByRole('button', { name: 'Pause', exact: true }).click();
  }

  async resume(): Promise<void> {
    await this.page.getByRole('button', { name: 'Resume', exact: true }).click();
  }

  async stop(): Promise<void> {
    await this.page.getByRole('button', { name: 'Stop', exact: true }).click();
  }

  /** Aims the next fault: at the next checkpoint, or at checkpoint K. */
  async aimAtCheckpoint(checkpoint: 'next' | number): Promise<void> {
    if (checkpoint === 'next') {
      await this.page.getByRole('radio', { name: 'at the next checkpoint' }).check();
      return;
    }
    await this.page.getByRole('radio', { name: 'at checkpoint' }).check();
    await this.page.getByLabel('Checkpoint to aim at').fill(String(checkpoint));
  }

  /** Injects one of the other fault kinds (opening "Other faults" when it is closed). */
  async injectFault(kind: string): Promise<void> {
    const button = this.page.getByRole('button', { name: `Inject ${kind}` });
    if (!(await button.isVisible())) await this.page.getByText('Other faults').click();
    await button.click();
  }

  /** Replays the run on screen in the other modes; the comparison gets its own address. */
  async compareModes(): Promise<void> {
    await this.page.getByRole('button', { name: 'Compare modes' }).click();
  }

  /** The comparison's table of figures, one column per run. */
  comparisonTable(): Locator {
    return this.page.getByRole('table').filter({ hasText: 'Visibility latency' });
  }

  /** The cells of one row of the comparison's table ("Verdict", "Duplicates"…), one per run. */
  comparisonRow(name: string): Locator {
    return this.comparisonTable()
      .getByRole('row', { name: new RegExp(`^${name}`) })
      .getByRole('cell');
  }

  /** To the Runs page, from the header's navigation. */
  async goToRuns(): Promise<RunsPage> {
    await this.page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Runs' }).click();
    await expect(this.page).toHaveURL(/\/runs$/);
    return new RunsPage(this.page);
  }

  /** A checkpoint's row in the checkpoint history, found by its number. */
  checkpointRow(checkpoint: number | string): Locator {
    return this.page
      .getByRole('region', { name: 'Checkpoint history table' })
      .getByRole('row')
      .filter({ has: this.page.getByRole('cell', { name: String(checkpoint), exact: true }) });
  }

  /** The transaction inspector's rows, its header first. */
  transactionRows(): Locator {
    return this.page.getByRole('region', { name: 'Transactions table' }).getByRole('row');
  }

  /** Filters the transaction inspector (`cp3`, `cp2·s1`…). */
  async findTransaction(text: string): Promise<void> {
    await this.page.getByLabel('Find a transaction').fill(text);
  }

  /** A chart's latest values, in words under it. */
  chartReadout(name: string): Locator {
    return this.page.getByRole('figure', { name: `${name} chart` }).locator('figcaption');
  }

  /**
   * Waits until the charts have taken the latest data (each refreshes a little after the store,
   * in its own slot): the two cumulative charts read the same moment and latency is drawn.
   */
  async chartsSettled(): Promise<void> {
    const momentOf = async (name: string) =>
      /^at ([\d,]+) ms/.exec((await this.chartReadout(name).textContent()) ?? '')?.[1];
    await expect(this.chartReadout('Visibility latency')).not.toHaveText('no value read yet');
    await expect
      .poll(
        async () =>
          (await momentOf('Events over virtual time')) === (await momentOf('Duplicates and missing values')),
      )
      .toBe(true);
    await expect(this.chartReadout('Events over virtual time')).toContainText(
      `at ${await this.lastBucketMs()} ms`,
    );
  }

  /** The end of the last metrics bucket of the run on screen (charts draw a bucket at its end). */
  private async lastBucketMs(): Promise<string> {
    const { buckets } = await this.storedRun();
    const last = buckets.at(-1)?.t ?? 0;
    const width = buckets.length > 1 ? last - buckets.at(-2)!.t : 10;
    return (last + width).toLocaleString('en');
  }

  duplicateCount(): Locator {
    return this.page.getByTestId('duplicate-count');
  }
}
