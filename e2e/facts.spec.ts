import type { Report } from '@eolab/engine';
import { expect, test } from '@playwright/test';
import { Dashboard, EXACTLY_ONCE } from './dashboard';

const count = (text: string | null, label: string): number => {
  const match = new RegExp(`([\\d,]+) ${label}`).exec(text ?? '');
  if (match === null) throw new Error(`no "${label}" count in: ${text}`);
  return Number(match[1]!.replaceAll(',', ''));
};

test('live-demo at max speed: the checkpoint history counts every checkpoint as the report does, and pages through them', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.startRun({ preset: 'live-demo', exactlyOnce: true, speed: 'max' });
  await expect(d.verdict).toHaveText(EXACTLY_ONCE);
  const runId = d.runId();
  const report = ((await (await page.request.get(`/api/runs/${runId}`)).json()) as { report: Report }).report;

  const counts = page.getByTestId('checkpoint-counts');
  await expect(counts).toContainText(`${report.checkpoints.completed} completed`);
  expect(count(await counts.textContent(), 'triggered')).toBe(report.checkpoints.triggered);
  expect(count(await counts.textContent(), 'failed')).toBe(report.checkpoints.aborted);
  await expect(page.getByText(/^End-to-end duration of [\d,]+ completed/)).toContainText(
    `of ${report.checkpoints.completed} completed`,
  );

  const total = report.checkpoints.triggered;
  expect(total).toBeGreaterThan(60);
  const pages = page.getByRole('navigation', { name: 'Pages of checkpoints' });
  await expect(pages).toContainText(`Showing 60 of ${total} (1–60, newest first)`);
  const rows = page.getByRole('region', { name: 'Checkpoint history table' }).getByRole('row');
  await expect(rows.nth(1).getByRole('cell').first()).toHaveText(String(total));

  // The keyboard reaches the pager and turns the page.
  await pages.getByRole('button', { name: 'Older checkpoints' }).focus();
  await page.keyboard.press('Enter');
  await expect(pages).toContainText(`(61–${Math.min(120, total)}, newest first)`);
  await expect(rows.nth(1).getByRole('cell').first()).toHaveText(String(total - 60));
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Space');
  await expect(pages).toContainText('(1–60, newest first)');
  await pages.getByRole('button', { name: 'Oldest checkpoints' }).click();
  await expect(rows.last().getByRole('cell').first()).toHaveText('1');
  await expect(pages.getByRole('button', { name: 'Older checkpoints' })).toBeDisabled();
  await pages.getByRole('button', { name: 'Newest checkpoints' }).click();
  await expect(rows.nth(1).getByRole('cell').first()).toHaveText(String(total));
  // Any checkpoint is a few keys away, however long the run.
  await page.getByLabel('Go to checkpoint').fill('2');
  await page.keyboard.press('Enter');
  await expect(rows.filter({ has: page.getByRole('cell', { name: '2', exact: true }) })).toContainText(
    'completed',
  );

  // Scrubbed back to the middle of the run: the history as it stood then, counted whole.
  const slider = page.getByRole('slider', { name: 'Virtual time' });
  const end = Number(await slider.getAttribute('max'));
  const middle = Math.floor(end / 2);
  await slider.fill(String(middle));
  const then = (await (
    await page.request.get(`/api/runs/${runId}/checkpoints?atMs=${middle}&limit=1`)
  ).json()) as {
    counts: { triggered: number; completed: number };
  };
  expect(then.counts.triggered).toBeGreaterThan(0);
  expect(then.counts.triggered).toBeLessThan(total);
  await expect(counts.getByRole('listitem')).toHaveText([
    `${then.counts.triggered} triggered`,
    /in progress$/,
    `${then.counts.completed} completed`,
    /failed$/,
    /restored$/,
  ]);
  await expect(pages).toContainText(
    then.counts.triggered > 60
      ? `of ${then.counts.triggered} (1–60, newest first)`
      : `All ${then.counts.triggered}`,
  );
  await expect(rows.nth(1).getByRole('cell').first()).toHaveText(String(then.counts.triggered));
  await slider.fill(String(end));
  await expect(counts).toContainText(`${report.checkpoints.completed} completed`);

  // The inspector: every transaction, counted as the report counts them, found by checkpoint.
  const txnCounts = page.getByTestId('transaction-counts');
  await expect(txnCounts).toContainText(`${report.transactions.begun} begun`);
  await expect(txnCounts).toContainText(`${report.transactions.committed} committed`);
  const txnPages = page.getByRole('navigation', { name: 'Pages of transactions' });
  await expect(txnPages).toContainText(`Showing 60 of ${report.transactions.begun}`);
  await page.getByLabel('Find a transaction').fill('cp2·s1');
  const txns = page.getByRole('region', { name: 'Transactions table' }).getByRole('row');
  await expect(txns).toHaveCount(2);
  await expect(txns.nth(1)).toContainText('cp2·s1');
  await expect(txnPages).toContainText('All 1');
  expect(d.consoleErrors).toEqual([]);
});
