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
  await page.getByRole('button', { name: `Delete run ${newest}` }).click();
  await expect(page.getByRole('button', { name: `Open run ${newest}` })).toHaveCount(0);
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
