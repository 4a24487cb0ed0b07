import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { Dashboard } from './dashboard';

test('the runs page lists stored runs newest first, filters them, and deletes one', async ({ page }) => {
  const d = new Dashboard(page);
  await d.runSeed(false);
  await expect(d.verdict).toHaveText('Found duplicates');
  await d.setExactlyOnce(true);
  await d.start.click();
  await expect(d.verdict).toHaveText('No duplicate found. EXACTLY_ONCE!');
  const newest = new URL(page.url()).searchParams.get('run')!;

  await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Runs' }).click();
  await expect(page).toHaveURL(/\/runs$/);
  const rows = page.getByRole('table').getByRole('row');
  await expect(rows.nth(1)).toContainText('EXACTLY_ONCE');
  await expect(rows.nth(1).getByRole('button', { name: `Open run ${newest}` })).toBeVisible();

  await page.getByLabel('Filter by verdict').selectOption('DUPLICATES');
  await expect(rows.nth(1)).toContainText('DUPLICATES');
  await expect(page.getByRole('button', { name: `Open run ${newest}` })).toHaveCount(0);

  await page.getByLabel('Filter by verdict').selectOption('');
  // Delete asks first; Cancel keeps the run.
  await page.getByRole('button', { name: `Delete run ${newest}` }).click();
  await page
    .getByRole('group', { name: `Delete run ${newest}?` })
    .getByRole('button', { name: 'Cancel' })
    .click();
  await expect(page.getByRole('button', { name: `Open run ${newest}` })).toBeVisible();
  await page.getByRole('button', { name: `Delete run ${newest}` }).click();
  await page.getByRole('button', { name: `Yes, delete run ${newest}` }).click();
  await expect(page.getByRole('button', { name: `Open run ${newest}` })).toHaveCount(0);
  await expect(page.getByText(`Deleted run ${newest}`)).toBeVisible();
  expect(d.consoleErrors).toEqual([]);
});

test('two runs ticked on the Runs page are compared side by side', async ({ page }) => {
  const d = new Dashboard(page);
  await d.runSeed(false);
  await expect(d.verdict).toHaveText('Found duplicates');
  const atLeastOnce = new URL(page.url()).searchParams.get('run')!;
  await d.setExactlyOnce(true);
  await d.start.click();
  await expect(d.verdict).toHaveText('No duplicate found. EXACTLY_ONCE!');
  const exactlyOnce = new URL(page.url()).searchParams.get('run')!;

  await page.getByRole('link', { name: 'Runs', exact: true }).click();
  const compare = page.getByRole('button', { name: /^Compare selected/ });
  await expect(compare).toBeDisabled();
  await page.getByRole('checkbox', { name: `Pick run ${exactlyOnce} to compare` }).check();
  await page.getByRole('checkbox', { name: `Pick run ${atLeastOnce} to compare` }).check();
  await expect(compare).toHaveText('Compare selected (2)');
  await compare.click();

  await expect(page).toHaveURL(`/compare?runs=${exactlyOnce},${atLeastOnce}`);
  await expect(page.getByRole('heading', { name: 'Compare runs' })).toBeVisible();
  const table = page.getByRole('table').filter({ hasText: 'Visibility latency' });
  await expect(table.getByRole('columnheader')).toHaveText(['Run', /^EXACTLY_ONCE/, /^ATLEAST_ONCE/]);
  await expect(table.getByRole('row', { name: /^Duplicates/ }).getByRole('cell')).toHaveText([
    '0',
    '8 (17..24)',
  ]);
  // Picking runs stores nothing new: the comparison does not mention replays.
  await expect(page.getByText(/The replays are stored in Runs/)).toHaveCount(0);
  expect(d.consoleErrors).toEqual([]);
});

test('export then import gives the same report', async ({ page }) => {
  const d = new Dashboard(page);
  await d.runSeed(false);
  await expect(d.verdict).toHaveText('Found duplicates');
  const runId = new URL(page.url()).searchParams.get('run')!;
  const exported = await (await page.request.get(`/api/runs/${runId}/export`)).json();
  const file = join(tmpdir(), `eolab-export-${runId}.json`);
  writeFileSync(file, JSON.stringify(exported));

  await page.getByRole('link', { name: 'Runs' }).click();
  try {
    await page.getByLabel('Import a run').setInputFiles(file);
    // The page reads the file after the input changed: it must still be there until the import is done.
    await expect(page).toHaveURL(/\?run=/);
  } finally {
    rmSync(file, { force: true });
  }
  const importedId = new URL(page.url()).searchParams.get('run')!;
  expect(importedId).not.toBe(runId);
  await expect(d.verdict).toHaveText('Found duplicates');
  await expect(page.getByTestId('duplicate-values')).toHaveText('17..24');
  const imported = await (await page.request.get(`/api/runs/${importedId}`)).json();
  expect(imported.report).toEqual(exported.report);
});

test('a run opened from the address shows the same verdict and narration as it did live', async ({
  page,
  browser,
}) => {
  const d = new Dashboard(page);
  await d.runSeed(false);
  await expect(d.verdict).toHaveText('Found duplicates');
  const fresh = await browser.newPage();
  await fresh.goto(page.url());
  await expect(fresh.getByRole('status', { name: 'Checker verdict' })).toHaveText('Found duplicates');
  await expect(fresh.getByText(/Restored from checkpoint 1 at position 16/)).toBeVisible();
  await expect(fresh.getByTestId('duplicate-values')).toHaveText('17..24');
});
