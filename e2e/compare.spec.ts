import { expect, test } from '@playwright/test';
import { Dashboard } from './dashboard';

test('Compare modes on the seed shows duplicates 17..24 at-least-once, none exactly-once, and the latency cost', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.runSeed(false);
  await expect(d.verdict).toHaveText('Found duplicates');
  await page.getByRole('button', { name: 'Compare modes' }).click();
  const table = page.getByRole('table').filter({ hasText: 'Visibility latency' });
  await expect(table.getByRole('columnheader')).toHaveText([
    'Run',
    /BEST_EFFORT/,
    /ATLEAST_ONCE/,
    /EXACTLY_ONCE/,
  ]);
  const duplicates = table.getByRole('row', { name: /^Duplicates/ });
  await expect(duplicates.getByRole('cell')).toHaveText(['8 (17..24)', '8 (17..24)', '0']);
  await expect(table.getByRole('row', { name: /^Verdict/ }).getByRole('cell')).toHaveText([
    'DUPLICATES',
    'DUPLICATES',
    'EXACTLY_ONCE',
  ]);
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
  await d.runSeed(false);
  await expect(d.verdict).toHaveText('Found duplicates');
  const causes = page.getByRole('list', { name: 'Why the duplicates' });
  await expect(causes).toContainText('17..24');
  await expect(causes).toContainText('Artificial failure at position 26');
  await expect(causes).toContainText('restored from checkpoint 1 at position 16');
});

test('a missing value names the transaction that held it and what happened to it', async ({ page }) => {
  const d = new Dashboard(page);
  await d.open();
  await d.choosePreset('lease-expiry');
  await d.setExactlyOnce(true);
  await d.setSpeed('max');
  await d.start.click();
  await expect(d.verdict).toHaveText(/No duplicate found, but \d+ values lost/);
  const causes = page.getByRole('list', { name: 'Why values are missing' });
  await expect(causes).toContainText('whose lease ran out');
  await expect(causes).toContainText('held in transaction cp3·s0');
});

test('a comparison has an address that opens the same view in a fresh page', async ({ page, browser }) => {
  const d = new Dashboard(page);
  await d.runSeed(false);
  await expect(d.verdict).toHaveText('Found duplicates');
  await page.getByRole('button', { name: 'Compare modes' }).click();
  await expect(page).toHaveURL(/\/compare\?runs=/);
  const table = page.getByRole('table').filter({ hasText: 'Visibility latency' });
  await expect(table.getByRole('row', { name: /^Verdict/ }).getByRole('cell')).toHaveText([
    'DUPLICATES',
    'DUPLICATES',
    'EXACTLY_ONCE',
  ]);

  const fresh = await browser.newPage();
  await fresh.goto(page.url());
  const again = fresh.getByRole('table').filter({ hasText: 'Visibility latency' });
  await expect(again.getByRole('row', { name: /^Verdict/ }).getByRole('cell')).toHaveText([
    'DUPLICATES',
    'DUPLICATES',
    'EXACTLY_ONCE',
  ]);
  await expect(fresh.getByRole('status', { name: 'Checker verdict' })).toHaveText(
    /Found duplicates|No duplicate found/,
  );
});

test('a fault injected by a click appears at the same virtual time in every compared run', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.open();
  await d.choosePreset('notify-lost');
  await d.setExactlyOnce(false);
  await d.setKnob('Events', 5_000);
  await d.setSpeed('1x');
  await d.start.click();
  await expect(page.getByText(/Checkpoint 2 completed/)).toBeVisible();
  await d.injectFailure.click();
  await expect(page.getByText('Injected mapper-exception')).toBeVisible();
  await page.getByRole('button', { name: 'Compare modes' }).click();
  await expect(page).toHaveURL(/\/compare\?runs=/);
  const ids = new URL(page.url()).searchParams.get('runs')!.split(',');
  expect(ids).toHaveLength(3);
  const timelines = await Promise.all(
    ids.map(async (id) => (await (await page.request.get(`/api/runs/${id}`)).json()).faultTimeline),
  );
  const clicked = timelines.map((t: { kind: string; atMs?: number }[]) =>
    t.find((f) => f.kind === 'mapper-exception'),
  );
  expect(clicked[0]?.atMs).toBeGreaterThan(0);
  expect(clicked.map((f) => f?.atMs)).toEqual([clicked[0]?.atMs, clicked[0]?.atMs, clicked[0]?.atMs]);
  await page.getByRole('button', { name: 'Stop', exact: true }).click();
});

test('a compared run opens from the comparison, with the causes of its duplicates', async ({ page }) => {
  const d = new Dashboard(page);
  await d.runSeed(true);
  await expect(d.verdict).toHaveText('No duplicate found. EXACTLY_ONCE!');
  await page.getByRole('button', { name: 'Compare modes' }).click();
  const table = page.getByRole('table').filter({ hasText: 'Visibility latency' });
  await expect(table.getByRole('row', { name: /^Verdict/ }).getByRole('cell')).toHaveText([
    'DUPLICATES',
    'DUPLICATES',
    'EXACTLY_ONCE',
  ]);
  await page.getByRole('button', { name: 'Open the ATLEAST_ONCE run' }).click();
  await expect(d.verdict).toHaveText('Found duplicates');
  await expect(page.getByRole('list', { name: 'Why the duplicates' })).toContainText(
    'restored from checkpoint 1 at position 16',
  );
});
