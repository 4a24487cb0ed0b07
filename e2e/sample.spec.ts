import { expect, test } from '@playwright/test';
import { Dashboard, EXACTLY_ONCE, FOUND_DUPLICATES } from './dashboard';

test.describe("the sample's story", () => {
  test('exactly-once off: the checker finds duplicates 17..24', async ({ page }) => {
    const d = new Dashboard(page);
    await d.runSeedToVerdict(false);
    await expect(d.duplicateValues).toHaveText('17..24');
    const console = page.getByLabel('Checker output');
    for (let v = 17; v <= 24; v++) await expect(console).toContainText(`Duplicate event: ${v}`);
    await expect(d.sentences.filter({ hasText: /Restored from checkpoint 1 at position 16/ })).toBeVisible();
    expect(d.consoleErrors).toEqual([]);
  });

  test('exactly-once on: No duplicate found. EXACTLY_ONCE!', async ({ page }) => {
    const d = new Dashboard(page);
    await d.open();
    await d.choosePreset('seed');
    await d.setExactlyOnce(true);
    await expect(page.getByLabel('Writer mode')).toHaveValue('EXACTLY_ONCE');
    await d.start.click();
    await expect(d.verdict).toHaveText(EXACTLY_ONCE);
    await expect(page.getByLabel('Checker output')).toContainText('No duplicate found. EXACTLY_ONCE!');
    await expect(page.getByRole('img', { name: /transactions/ })).toBeVisible();
    expect(d.consoleErrors).toEqual([]);
  });

  test('the writer-mode choice also offers BEST_EFFORT', async ({ page }) => {
    const d = new Dashboard(page);
    await d.open();
    await page.getByLabel('Writer mode').selectOption('BEST_EFFORT');
    await expect(d.exactlyOnce).not.toBeChecked();
    await d.start.click();
    await expect(d.verdict).toHaveText(FOUND_DUPLICATES);
  });
});

test.describe('injecting failures', () => {
  test('Inject failure during a longer run with exactly-once off makes duplicates appear', async ({
    page,
  }) => {
    const d = new Dashboard(page);
    await d.startRun({ preset: 'notify-lost', exactlyOnce: false, knobs: { Events: 30_000 }, speed: '1x' });
    await expect(d.statePill).toHaveText('running');
    await expect(d.duplicateCount()).toHaveText('0');
    await expect(d.duplicatesReadout).toContainText(' 0 duplicates');
    // Let the job get past its first checkpoint, then fail it.
    await expect(d.sentences.filter({ hasText: /Checkpoint 2 completed/ })).toBeVisible();
    await d.injectFailure.click();
    await expect(page.getByText('Injected mapper-exception')).toBeVisible();
    await expect.poll(async () => Number(await d.duplicateCount().textContent())).toBeGreaterThan(0);
    await expect(d.verdict).toContainText('Found duplicates');
    // The chart shows them too, and marks the injected fault at its virtual time.
    await expect(d.duplicatesReadout).toContainText(/ [1-9][\d,]* duplicates/);
    await expect(d.duplicatesChart.locator('line title', { hasText: 'mapper-exception at' })).toHaveCount(1);
    await d.setSpeed('max');
    await expect(d.verdict).toHaveText(FOUND_DUPLICATES);
    await expect(
      d.sentences.filter({ hasText: /Restored from checkpoint \d+ at position \d+/ }),
    ).toBeVisible();
  });

  test('every fault kind can be injected from the UI', async ({ page }) => {
    const d = new Dashboard(page);
    await d.startRun({
      preset: 'notify-lost',
      exactlyOnce: true,
      knobs: { Events: 200_000, 'Restart attempts': 50 },
      speed: '1x',
    });
    await expect(d.statePill).toHaveText('running');
    await d.injectFailure.click();
    await expect(page.getByText('Injected mapper-exception')).toBeVisible();
    const kinds = [
      'crash-after-precommit',
      'crash-before-notify',
      'notify-lost',
      'crash-during-commit',
      'checkpoint-abort',
      'store-outage',
      'controller-outage',
      'job-pause',
      'zombie-writer',
    ];
    for (const kind of kinds) {
      await d.injectFault(kind);
      await expect(page.getByText(`Injected ${kind}`)).toBeVisible();
    }
    // Every injected fault is in the timeline the server recorded, stamped with its virtual time.
    const runId = d.runId();
    const run = await d.storedRun(runId);
    const injected = run.faultTimeline.filter((f) => f.atMs !== undefined);
    expect(injected.map((f) => f.kind).sort()).toEqual(['mapper-exception', ...kinds].sort());
    await d.stop();
    await expect(d.statePill).toHaveText('stopped');
    expect(d.consoleErrors).toEqual([]);
  });
});

test('two pages watching one run see the same verdict', async ({ browser }) => {
  const first = await browser.newPage();
  const a = new Dashboard(first);
  await a.startRun({ preset: 'live-demo', exactlyOnce: false, speed: '100x' });
  await expect(first).toHaveURL(/\?run=/);
  const b = new Dashboard(await browser.newPage());
  await b.open(`/?run=${a.runId()}`);
  await expect(b.runStatus).toContainText(a.runId());
  await a.setSpeed('max');
  await expect(a.verdict).toHaveText('Found duplicates');
  await expect(b.verdict).toHaveText('Found duplicates');
  await expect(b.duplicateValues).toHaveText((await a.duplicateValues.textContent())!);
});
