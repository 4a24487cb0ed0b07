import { expect, test } from '@playwright/test';
import { Dashboard } from './dashboard';

test('live-demo stopped after about a second is judged on what it saw, in the panel and the Runs list', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.open();
  await d.choosePreset('live-demo');
  await d.setExactlyOnce(true);
  await d.setSpeed('1x');
  await d.start.click();
  await expect(await d.runState()).toHaveText('running');
  // About a second of the run, as the events chart's readout tells it.
  const readout = page.getByRole('figure', { name: 'Events over virtual time chart' }).locator('figcaption');
  await expect
    .poll(async () =>
      Number(/^at ([\d,]+) ms/.exec((await readout.textContent()) ?? '')?.[1]?.replaceAll(',', '') ?? 0),
    )
    .toBeGreaterThanOrEqual(1_000);
  await page.getByRole('button', { name: 'Stop', exact: true }).click();
  await expect(await d.runState()).toHaveText('stopped');

  // No green EXACTLY_ONCE: the verdict says how far the run got, and that loss was not judged.
  await expect(d.verdict).toHaveText(
    /^No duplicate so far · Stopped after [\d,]+ of 20,000 values: not judged$/,
  );
  await expect(d.verdict).toHaveClass(/incomplete/);
  await expect(page.getByTestId('run-ending')).toHaveText(
    /^Run stopped by you at [\d,]+ ms of virtual time\.$/,
  );
  await expect(
    page.getByText(/the whole-stream checker judged only the [\d,]+ values read so far/),
  ).toBeVisible();
  const runId = new URL(page.url()).searchParams.get('run')!;
  const report = (await (await page.request.get(`/api/runs/${runId}`)).json()).report;
  expect(report).toMatchObject({ ending: 'stopped', verdict: 'INCOMPLETE' });

  await page.getByRole('link', { name: 'Runs', exact: true }).click();
  const row = page.getByRole('row').filter({ has: page.getByRole('button', { name: `Open run ${runId}` }) });
  await expect(row.getByText('INCOMPLETE', { exact: true })).toBeVisible();
  await expect(row.locator('[data-col="ended"]')).toHaveText('stopped by you');
  await expect(row.locator('[data-col="lost"]')).toHaveText('not judged');
  await page.getByLabel('Filter by how the run ended').selectOption('finished');
  await expect(row).toHaveCount(0);
  expect(d.consoleErrors).toEqual([]);
});

test('the Runs list shows duplicates, loss, faults and duration, and sorts by them', async ({ page }) => {
  const d = new Dashboard(page);
  await d.runSeed(false);
  await expect(d.verdict).toHaveText('Found duplicates');
  const duplicated = new URL(page.url()).searchParams.get('run')!;
  await d.setExactlyOnce(true);
  await d.start.click();
  await expect(d.verdict).toHaveText('No duplicate found. EXACTLY_ONCE!');

  await page.getByRole('link', { name: 'Runs', exact: true }).click();
  const row = page
    .getByRole('row')
    .filter({ has: page.getByRole('button', { name: `Open run ${duplicated}` }) });
  await expect(row.locator('[data-col="duplicates"]')).toHaveText('8');
  await expect(row.locator('[data-col="lost"]')).toHaveText('0');
  await expect(row.locator('[data-col="faults"]')).toHaveText('1');
  await expect(row.locator('[data-col="duration"]')).toHaveText('304 ms');
  await expect(row.locator('[data-col="ended"]')).toHaveText('finished');

  const sortByDuplicates = page.getByRole('button', { name: 'Duplicates' });
  await sortByDuplicates.click();
  await expect(page.getByRole('columnheader', { name: 'Duplicates' })).toHaveAttribute(
    'aria-sort',
    'descending',
  );
  await expect(page.getByRole('row').nth(1).locator('[data-col="duplicates"]')).not.toHaveText('0');
  expect(d.consoleErrors).toEqual([]);
});
