import AxeBuilder from '@axe-core/playwright';
import type { Report } from '@eolab/engine';
import { expect, test } from '@playwright/test';
import { Dashboard } from './dashboard';

/** Flink's Checkpoints tab, and more: counts, latest, configuration, one checkpoint by task, percentiles. */

test('the seed in EXACTLY_ONCE: the counts block, the latest restore, the configuration and checkpoint 1 by task', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.runSeedToVerdict(true);
  const report = ((await (await page.request.get(`/api/runs/${d.runId()}`)).json()) as { report: Report })
    .report;
  const panel = page.getByRole('region', { name: 'Checkpoint history', exact: true });
  const counts = panel.getByRole('region', { name: 'Checkpoint counts' });
  const item = (label: string) =>
    counts.getByRole('listitem').filter({ hasText: new RegExp(`^[\\d,]+ ${label}$`) });
  await expect(item('triggered')).toHaveText(`${report.checkpoints.triggered} triggered`);
  await expect(item('completed')).toHaveText(`${report.checkpoints.completed} completed`);
  await expect(item('in progress')).toHaveText('0 in progress');
  await expect(item('failed')).toHaveText(`${report.checkpoints.aborted} failed`);
  await expect(item('restored')).toHaveText('1 restored');
  const restore = report.restores[0]!;
  await expect(
    panel.getByRole('button', { name: `attempt 2 from checkpoint 1 at ${restore.atMs} ms` }),
  ).toBeVisible();
  await expect(
    panel.getByText(
      /^End-to-end duration of \d+ completed: min \d+ ms · p50 \d+ ms · p90 \d+ ms · p99 \d+ ms/,
    ),
  ).toBeVisible();

  await panel.getByText('Configuration').click();
  const config = panel.getByRole('definition');
  await expect(panel.getByRole('term').filter({ hasText: 'Interval' })).toBeVisible();
  await expect(config.filter({ hasText: 'fixed delay: 1 attempt, 0 ms apart' })).toBeVisible();
  await expect(config.filter({ hasText: '30,000 ms' })).toBeVisible();

  // The history table has its own name; checkpoint 1 opens task by task.
  const history = panel.getByRole('table', { name: 'Checkpoint history' });
  await expect(history).toBeVisible();
  const one = history.getByRole('button', { name: '1', exact: true });
  await expect(one).toHaveAttribute('aria-expanded', 'false');
  await one.click();
  await expect(one).toHaveAttribute('aria-expanded', 'true');
  const detail = page.getByRole('table', { name: 'Checkpoint 1, each task' });
  await expect(detail.getByRole('row')).toHaveCount(4);
  await expect(detail.getByRole('row', { name: /^sink-0 / })).toContainText('cp1·s0');
  await expect(detail.getByRole('row', { name: /^sink-1 / })).toContainText('COMMITTED');
  await expect(detail.getByRole('row', { name: /^source / })).toContainText('snapshot at the trigger');
  const { violations } = await new AxeBuilder({ page }).include('.panel:has(#cp-history-title)').analyze();
  expect(violations).toEqual([]);
  expect(d.consoleErrors).toEqual([]);
});
