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
    'BEST_EFFORT',
    'ATLEAST_ONCE',
    'EXACTLY_ONCE',
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
});

test('the cause of duplicate 17 names the failure and the restore from position 16', async ({ page }) => {
  const d = new Dashboard(page);
  await d.runSeed(false);
  await expect(d.verdict).toHaveText('Found duplicates');
  const causes = page.getByRole('list', { name: 'Why the duplicates' });
  await expect(causes).toContainText('17..24');
  await expect(causes).toContainText('Artificial failure at position 26');
  await expect(causes).toContainText('restore from checkpoint 1 at position 16');
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
  await expect(causes).toContainText('its lease ran out');
  await expect(causes).toContainText('held in transaction');
});
