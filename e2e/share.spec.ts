import { readFileSync, statSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { Dashboard } from './dashboard';

test('a shared scenario link opens the same run in a fresh page', async ({ page, browser }) => {
  const d = new Dashboard(page);
  await d.runSeed(false);
  await expect(d.verdict).toHaveText('Found duplicates');
  const original = new URL(page.url()).searchParams.get('run');
  await page.getByRole('button', { name: 'Share scenario link' }).click();
  const link = await page.getByLabel('Share link').inputValue();
  expect(link).toContain('?scenario=');

  const fresh = await browser.newPage();
  await fresh.goto(link);
  await expect(fresh).toHaveURL(/\?run=/);
  expect(new URL(fresh.url()).searchParams.get('run')).not.toBe(original);
  await expect(fresh.getByRole('status', { name: 'Checker verdict' })).toHaveText('Found duplicates');
  await expect(fresh.getByTestId('duplicate-values')).toHaveText('17..24');
});

test('charts export their data as CSV and themselves as PNG', async ({ page }) => {
  const d = new Dashboard(page);
  await d.runSeed(true);
  await expect(d.verdict).toHaveText('No duplicate found. EXACTLY_ONCE!');

  const csvDownload = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download events data as CSV' }).click();
  const csv = await csvDownload;
  expect(csv.suggestedFilename()).toBe('events.csv');
  const lines = readFileSync(await csv.path(), 'utf8').split('\n');
  expect(lines[0]).toBe('t_ms,emitted,written,visible,read,duplicates,latency_p50_ms,latency_p99_ms');
  expect(lines.at(-1)?.split(',')[3]).toBe('50');

  const pngDownload = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download events chart as PNG' }).click();
  const png = await pngDownload;
  expect(png.suggestedFilename()).toBe('events.png');
  expect(statSync(await png.path()).size).toBeGreaterThan(5_000);
  expect(d.consoleErrors).toEqual([]);
});
