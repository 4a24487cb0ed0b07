import { readFileSync, statSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { Dashboard, EXACTLY_ONCE, FOUND_DUPLICATES } from './dashboard';

test('a shared scenario link opens the same run in a fresh page', async ({ page, browser }) => {
  const d = new Dashboard(page);
  await d.runSeedToVerdict(false);
  const original = d.runId();
  await page.getByRole('button', { name: 'Share scenario link' }).click();
  const link = await page.getByLabel('Share link').inputValue();
  expect(link).toContain('?scenario=');

  const fresh = new Dashboard(await browser.newPage());
  await fresh.page.goto(link);
  await expect(fresh.page).toHaveURL(/\?run=/);
  expect(fresh.runId()).not.toBe(original);
  await expect(fresh.verdict).toHaveText(FOUND_DUPLICATES);
  await expect(fresh.duplicateValues).toHaveText('17..24');
});

test('charts export their data as CSV and themselves as PNG', async ({ page }) => {
  const d = new Dashboard(page);
  await d.runSeedToVerdict(true);

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

test('a malformed share link says the link is damaged, in words, and the dashboard still works', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await page.goto('/?scenario=eyJub3QiOiJ3aG9sZQ%%%');
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('This shared scenario link is damaged');
  await expect(alert).not.toContainText('atob');
  await d.setUp({ preset: 'seed', speed: 'max' });
  await d.start.click();
  await expect(d.verdict).toHaveText(FOUND_DUPLICATES);
});

test('the sidebar shows the run on screen: a stored run opened by address, and a shared scenario no preset gives', async ({
  page,
  browser,
}) => {
  const d = new Dashboard(page);
  await d.startRun({
    preset: 'seed',
    exactlyOnce: true,
    knobs: { Seed: 7, 'Checkpoint interval (ms)': 150 },
    speed: '1x',
  });
  await expect(d.verdict).toHaveText(EXACTLY_ONCE);
  const runId = d.runId();

  // A fresh page, its sidebar at the defaults, opens the run by its address.
  const fresh = await browser.newPage();
  const other = new Dashboard(fresh);
  await other.open(`/?run=${runId}`);
  await expect(other.verdict).toHaveText('No duplicate found. EXACTLY_ONCE!');
  await expect(other.exactlyOnce).toBeChecked();
  await expect(fresh.getByLabel('Preset')).toHaveValue('seed');
  await expect(fresh.getByLabel('Seed', { exact: true })).toHaveValue('7');
  await expect(fresh.getByLabel('Checkpoint interval (ms)', { exact: true })).toHaveValue('150');
  // A finished run has no speed: the header does not claim one.
  await expect(other.runStatus).not.toContainText(/\b(1x|10x|100x|max)\b/);

  // A scenario of its own (from a file, say), shared by link: the sidebar names it and Start reruns it.
  const own = {
    version: 1,
    name: 'my-scenario',
    mode: 'ATLEAST_ONCE',
    numEvents: 60,
    seed: 3,
    faults: [{ kind: 'mapper-exception', atElement: 31 }],
  };
  const encoded = Buffer.from(JSON.stringify(own)).toString('base64url');
  await fresh.goto(`/?scenario=${encoded}`);
  await expect(other.verdict).toHaveText('Found duplicates');
  await expect(fresh.getByLabel('Preset').locator('option:checked')).toHaveText(
    'my-scenario — the scenario of the run on screen',
  );
  await expect(fresh.getByLabel('Events', { exact: true })).toHaveValue('60');
  await expect(other.exactlyOnce).not.toBeChecked();
  expect([...d.consoleErrors, ...other.consoleErrors]).toEqual([]);
  await fresh.close();
});
