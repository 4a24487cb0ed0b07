import { expect, test } from '@playwright/test';
import { Dashboard, FOUND_DUPLICATES } from './dashboard';

test('Compare modes on the seed shows duplicates 17..24 at-least-once, none exactly-once, and the latency cost', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.runSeedToVerdict(false);
  await d.compareModes();
  const table = d.comparisonTable();
  await expect(table.getByRole('columnheader')).toHaveText([
    'Run',
    /BEST_EFFORT/,
    /ATLEAST_ONCE/,
    /EXACTLY_ONCE/,
  ]);
  await expect(d.comparisonRow('Duplicates')).toHaveText(['8 (17..24)', '8 (17..24)', '0']);
  await expect(d.comparisonRow('Verdict')).toHaveText(['DUPLICATES', 'DUPLICATES', 'EXACTLY_ONCE']);
  await expect(
    page.getByText(
      /exactly-once: 0 duplicates and 0 missing, against 8 duplicates .* ms more p99 visibility latency/,
    ),
  ).toBeVisible();
  // The two replays went into the history: the comparison says so, naming them.
  await expect(page.getByText(/^The replays are stored in Runs as \S+ and \S+/)).toBeVisible();
});

test('the cause of duplicate 17 names the failure and the restore from position 16', async ({ page }) => {
  const d = new Dashboard(page);
  await d.runSeedToVerdict(false);
  const causes = page.getByRole('list', { name: 'Why the duplicates' });
  await expect(causes).toContainText('17..24');
  await expect(causes).toContainText('Artificial failure at position 26');
  await expect(causes).toContainText('restored from checkpoint 1 at position 16');
});

test('a missing value names the transaction that held it and what happened to it', async ({ page }) => {
  const d = new Dashboard(page);
  await d.startRun({ preset: 'lease-expiry', exactlyOnce: true, speed: 'max' });
  await expect(d.verdict).toHaveText(/No duplicate found, but \d+ values lost/);
  const causes = page.getByRole('list', { name: 'Why values are missing' });
  await expect(causes).toContainText('whose lease ran out');
  await expect(causes).toContainText('held in transaction cp3·s0');
});

test('a comparison has an address that opens the same view in a fresh page', async ({ page, browser }) => {
  const d = new Dashboard(page);
  await d.runSeedToVerdict(false);
  await d.compareModes();
  await expect(page).toHaveURL(/\/compare\?runs=/);
  await expect(d.comparisonRow('Verdict')).toHaveText(['DUPLICATES', 'DUPLICATES', 'EXACTLY_ONCE']);

  const fresh = new Dashboard(await browser.newPage());
  await fresh.open(page.url());
  await expect(fresh.comparisonRow('Verdict')).toHaveText(['DUPLICATES', 'DUPLICATES', 'EXACTLY_ONCE']);
  await expect(fresh.verdict).toHaveText(/Found duplicates|No duplicate found/);
});

test('a fault injected by a click appears at the same virtual time in every compared run', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.startRun({ preset: 'notify-lost', exactlyOnce: false, knobs: { Events: 5_000 }, speed: '1x' });
  await expect(d.sentences.filter({ hasText: /Checkpoint 2 completed/ })).toBeVisible();
  await d.injectFailure.click();
  await expect(page.getByText('Injected mapper-exception')).toBeVisible();
  await d.compareModes();
  await expect(page).toHaveURL(/\/compare\?runs=/);
  const ids = d.comparedRunIds();
  expect(ids).toHaveLength(3);
  const timelines = await Promise.all(ids.map(async (id) => (await d.storedRun(id)).faultTimeline));
  const clicked = timelines.map((t) => t.find((f) => f.kind === 'mapper-exception'));
  expect(clicked[0]?.atMs).toBeGreaterThan(0);
  expect(clicked.map((f) => f?.atMs)).toEqual([clicked[0]?.atMs, clicked[0]?.atMs, clicked[0]?.atMs]);
  await d.stop();
});

test('a compared run opens from the comparison, with the causes of its duplicates', async ({ page }) => {
  const d = new Dashboard(page);
  await d.runSeedToVerdict(true);
  await d.compareModes();
  await expect(d.comparisonRow('Verdict')).toHaveText(['DUPLICATES', 'DUPLICATES', 'EXACTLY_ONCE']);
  await page.getByRole('button', { name: 'Open the ATLEAST_ONCE run' }).click();
  await expect(d.verdict).toHaveText(FOUND_DUPLICATES);
  await expect(page.getByRole('list', { name: 'Why the duplicates' })).toContainText(
    'restored from checkpoint 1 at position 16',
  );
});
