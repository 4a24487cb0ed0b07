import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { Dashboard, FOUND_DUPLICATES } from './dashboard';

test('the runs page lists stored runs newest first, filters them, and deletes one', async ({ page }) => {
  const d = new Dashboard(page);
  await d.runSeedToVerdict(false);
  await d.runSeedAgain(true);
  const newest = d.runId();

  const runs = await d.goToRuns();
  await expect(runs.rows.nth(1)).toContainText('EXACTLY_ONCE');
  await expect(runs.rows.nth(1).getByRole('button', { name: `Open run ${newest}` })).toBeVisible();

  await runs.filterBy('verdict', 'DUPLICATES');
  await expect(runs.rows.nth(1)).toContainText('DUPLICATES');
  await expect(runs.openButton(newest)).toHaveCount(0);

  await runs.filterBy('verdict', '');
  // Delete asks first; Cancel keeps the run.
  const asking = await runs.askToDelete(newest);
  await asking.getByRole('button', { name: 'Cancel' }).click();
  await expect(runs.openButton(newest)).toBeVisible();
  await runs.delete(newest);
  await expect(runs.openButton(newest)).toHaveCount(0);
  await expect(page.getByText(`Deleted run ${newest}`)).toBeVisible();
  expect(d.consoleErrors).toEqual([]);
});

test('two runs ticked on the Runs page are compared side by side', async ({ page }) => {
  const d = new Dashboard(page);
  await d.runSeedToVerdict(false);
  const atLeastOnce = d.runId();
  await d.runSeedAgain(true);
  const exactlyOnce = d.runId();

  const runs = await d.goToRuns();
  await expect(runs.compareSelected).toBeDisabled();
  await runs.pick(exactlyOnce);
  await runs.pick(atLeastOnce);
  await expect(runs.compareSelected).toHaveText('Compare selected (2)');
  await runs.compareSelected.click();

  await expect(page).toHaveURL(`/compare?runs=${exactlyOnce},${atLeastOnce}`);
  await expect(page.getByRole('heading', { name: 'Compare runs' })).toBeVisible();
  const table = d.comparisonTable();
  await expect(table.getByRole('columnheader')).toHaveText(['Run', /^EXACTLY_ONCE/, /^ATLEAST_ONCE/]);
  await expect(d.comparisonRow('Duplicates')).toHaveText(['0', '8 (17..24)']);
  // Picking runs stores nothing new: the comparison does not mention replays.
  await expect(page.getByText(/The replays are stored in Runs/)).toHaveCount(0);
  expect(d.consoleErrors).toEqual([]);
});

test('export then import gives the same report', async ({ page }) => {
  const d = new Dashboard(page);
  await d.runSeedToVerdict(false);
  const runId = d.runId();
  const exported = await (await page.request.get(`/api/runs/${runId}/export`)).json();
  const file = join(tmpdir(), `eolab-export-${runId}.json`);
  writeFileSync(file, JSON.stringify(exported));

  const runs = await d.goToRuns();
  try {
    await runs.importFile(file);
    // The page reads the file after the input changed: it must still be there until the import is done.
    await expect(page).toHaveURL(/\?run=/);
  } finally {
    rmSync(file, { force: true });
  }
  const importedId = d.runId();
  expect(importedId).not.toBe(runId);
  await expect(d.verdict).toHaveText(FOUND_DUPLICATES);
  await expect(d.duplicateValues).toHaveText('17..24');
  const imported = await d.storedRun(importedId);
  expect(imported.report).toEqual(exported.report);
});

test('a run opened from the address shows the same verdict and narration as it did live', async ({
  page,
  browser,
}) => {
  const d = new Dashboard(page);
  await d.runSeedToVerdict(false);
  const fresh = new Dashboard(await browser.newPage());
  await fresh.open(page.url());
  await expect(fresh.verdict).toHaveText(FOUND_DUPLICATES);
  await expect(
    fresh.sentences.filter({ hasText: /Restored from checkpoint 1 at position 16/ }),
  ).toBeVisible();
  await expect(fresh.duplicateValues).toHaveText('17..24');
});
