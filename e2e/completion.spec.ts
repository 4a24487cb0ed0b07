import { expect, test } from '@playwright/test';
import { Dashboard } from './dashboard';

test('live-demo stopped after about a second is judged on what it saw, in the panel and the Runs list', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.startRun({ preset: 'live-demo', exactlyOnce: true, speed: '1x' });
  await expect(d.statePill).toHaveText('running');
  // About a second of the run, as the events chart's readout tells it.
  const readout = d.chartReadout('Events over virtual time');
  await expect
    .poll(async () =>
      Number(/^at ([\d,]+) ms/.exec((await readout.textContent()) ?? '')?.[1]?.replaceAll(',', '') ?? 0),
    )
    .toBeGreaterThanOrEqual(1_000);
  await d.stop();
  await expect(d.statePill).toHaveText('stopped');

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
  const runId = d.runId();
  const { report } = await d.storedRun(runId);
  expect(report).toMatchObject({ ending: 'stopped', verdict: 'INCOMPLETE' });

  const runs = await d.goToRuns();
  await expect(runs.row(runId).getByText('INCOMPLETE', { exact: true })).toBeVisible();
  await expect(runs.cell(runId, 'ended')).toHaveText('stopped by you');
  await expect(runs.cell(runId, 'lost')).toHaveText('not judged');
  await runs.filterBy('how the run ended', 'finished');
  await expect(runs.row(runId)).toHaveCount(0);
  expect(d.consoleErrors).toEqual([]);
});

test('the Runs list shows duplicates, loss, faults and duration, and sorts by them', async ({ page }) => {
  const d = new Dashboard(page);
  await d.runSeedToVerdict(false);
  const duplicated = d.runId();
  await d.runSeedAgain(true);

  const runs = await d.goToRuns();
  await expect(runs.cell(duplicated, 'duplicates')).toHaveText('8');
  await expect(runs.cell(duplicated, 'lost')).toHaveText('0');
  await expect(runs.cell(duplicated, 'faults')).toHaveText('1');
  await expect(runs.cell(duplicated, 'duration')).toHaveText('306 ms');
  await expect(runs.cell(duplicated, 'ended')).toHaveText('finished');

  const sortByDuplicates = page.getByRole('button', { name: 'Duplicates' });
  await sortByDuplicates.click();
  await expect(page.getByRole('columnheader', { name: 'Duplicates' })).toHaveAttribute(
    'aria-sort',
    'descending',
  );
  await expect(runs.rows.nth(1).locator('[data-col="duplicates"]')).not.toHaveText('0');
  expect(d.consoleErrors).toEqual([]);
});
