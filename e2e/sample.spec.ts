import { expect, test } from '@playwright/test';
import { Dashboard } from './dashboard';

test.describe("the sample's story", () => {
  test('exactly-once off: the checker finds duplicates 17..24', async ({ page }) => {
    const d = new Dashboard(page);
    await d.runSeed(false);
    await expect(d.verdict).toHaveText('Found duplicates');
    await expect(page.getByTestId('duplicate-values')).toHaveText('17..24');
    const console = page.getByLabel('Checker output');
    for (let v = 17; v <= 24; v++) await expect(console).toContainText(`Duplicate event: ${v}`);
    await expect(page.getByText(/Restored from checkpoint 1 at position 16/)).toBeVisible();
    expect(d.consoleErrors).toEqual([]);
  });

  test('exactly-once on: No duplicate found. EXACTLY_ONCE!', async ({ page }) => {
    const d = new Dashboard(page);
    await d.open();
    await d.choosePreset('seed');
    await d.setExactlyOnce(true);
    await expect(page.getByLabel('Writer mode')).toHaveValue('EXACTLY_ONCE');
    await d.start.click();
    await expect(d.verdict).toHaveText('No duplicate found. EXACTLY_ONCE!');
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
    await expect(d.verdict).toHaveText('Found duplicates');
  });
});

test.describe('injecting failures', () => {
  test('Inject failure during a longer run with exactly-once off makes duplicates appear', async ({
    page,
  }) => {
    const d = new Dashboard(page);
    await d.open();
    await d.choosePreset('notify-lost');
    await d.setExactlyOnce(false);
    await d.setKnob('Events', 30_000);
    await d.setSpeed('1x');
    await d.start.click();
    await expect(page.locator('.run-status .pill')).toHaveText('running');
    await expect(d.duplicateCount()).toHaveText('0');
    await expect(d.duplicatesReadout).toContainText(' 0 duplicates');
    // Let the job get past its first checkpoint, then fail it.
    await expect(page.getByText(/Checkpoint 2 completed/)).toBeVisible();
    await d.injectFailure.click();
    await expect(page.getByText('Injected mapper-exception')).toBeVisible();
    await expect.poll(async () => Number(await d.duplicateCount().textContent())).toBeGreaterThan(0);
    await expect(d.verdict).toContainText('Found duplicates');
    // The chart shows them too, and marks the injected fault at its virtual time.
    await expect(d.duplicatesReadout).toContainText(/ [1-9][\d,]* duplicates/);
    await expect(d.duplicatesChart.locator('line title', { hasText: 'mapper-exception at' })).toHaveCount(1);
    await d.setSpeed('max');
    await expect(d.verdict).toHaveText('Found duplicates');
    await expect(page.getByText(/Restored from checkpoint \d+ at position \d+/)).toBeVisible();
  });

  test('every fault kind can be injected from the UI', async ({ page }) => {
    const d = new Dashboard(page);
    await d.open();
    await d.choosePreset('notify-lost');
    await d.setExactlyOnce(true);
    await d.setKnob('Events', 200_000);
    await d.setKnob('Restart attempts', 50);
    await d.setSpeed('1x');
    await d.start.click();
    await expect(page.locator('.run-status .pill')).toHaveText('running');
    await d.injectFailure.click();
    await expect(page.getByText('Injected mapper-exception')).toBeVisible();
    await page.getByText('Other faults').click();
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
      await page.getByRole('button', { name: `Inject ${kind}` }).click();
      await expect(page.getByText(`Injected ${kind}`)).toBeVisible();
    }
    // Every injected fault is in the timeline the server recorded, stamped with its virtual time.
    const runId = new URL(page.url()).searchParams.get('run');
    const run = await (await page.request.get(`/api/runs/${runId}`)).json();
    const injected = run.faultTimeline.filter((f: { atMs?: number }) => f.atMs !== undefined);
    expect(injected.map((f: { kind: string }) => f.kind).sort()).toEqual(
      ['mapper-exception', ...kinds].sort(),
    );
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect(page.locator('.run-status .pill')).toHaveText('stopped');
    expect(d.consoleErrors).toEqual([]);
  });
});

test('two pages watching one run see the same verdict', async ({ browser }) => {
  const first = await browser.newPage();
  const a = new Dashboard(first);
  await a.open();
  await a.choosePreset('live-demo');
  await a.setExactlyOnce(false);
  await a.setSpeed('100x');
  await a.start.click();
  await expect(first).toHaveURL(/\?run=/);
  const second = await browser.newPage();
  const b = new Dashboard(second);
  await b.open(new URL(first.url()).search ? `/${new URL(first.url()).search}` : '/');
  await expect(second.locator('.run-status')).toContainText(new URL(first.url()).searchParams.get('run')!);
  await a.setSpeed('max');
  await expect(a.verdict).toHaveText('Found duplicates');
  await expect(b.verdict).toHaveText('Found duplicates');
  await expect(second.getByTestId('duplicate-values')).toHaveText(
    (await first.getByTestId('duplicate-values').textContent())!,
  );
});
