import { expect, test } from '@playwright/test';
import { Dashboard, EXACTLY_ONCE } from './dashboard';

test('a crash aimed at the next checkpoint from the dashboard: the history shows it completed and restored from, its transactions committed on recovery', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.startRun({ preset: 'notify-lost', exactlyOnce: true, knobs: { Events: 5_000 }, speed: '1x' });
  await expect(d.statePill).toHaveText('running');
  await d.pause();
  await expect(d.statePill).toHaveText('paused');

  await d.aimAtCheckpoint('next');
  await d.injectFault('crash-before-notify');
  const injected = page.getByText(/^Injected crash-before-notify at checkpoint (\d+)$/);
  await expect(injected).toBeVisible();
  const checkpoint = /checkpoint (\d+)$/.exec((await injected.textContent()) ?? '')![1]!;

  await d.setSpeed('max');
  await d.resume();
  await expect(d.verdict).toHaveText(EXACTLY_ONCE);

  const row = d.checkpointRow(checkpoint);
  await expect(row).toContainText('completed');
  await expect(row).toContainText('attempt 2 restored from it');

  await d.findTransaction(`cp${checkpoint}`);
  const txns = d.transactionRows();
  await expect(txns.filter({ hasText: 'committed on recovery' })).toHaveCount(2);
  expect(d.consoleErrors).toEqual([]);
});

test('crash-before-notify aimed at checkpoint 3: checkpoint 3 completed, the failover, its transactions committed on recovery, and their lease', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.startRun({
    preset: 'seed',
    exactlyOnce: true,
    knobs: {
      // Checkpoints 2 s apart in real time: checkpoint 3 is well ahead when the fault is aimed.
      'Checkpoint interval (ms)': 2_000,
      // The sample's own failure at element 26 takes one restart; the crash needs a second.
      'Restart attempts': 2,
    },
    speed: '1x',
  });
  await expect(d.statePill).toHaveText('running');
  await d.aimAtCheckpoint(3);
  await d.injectFault('crash-before-notify');
  await expect(page.getByText('Injected crash-before-notify at checkpoint 3')).toBeVisible();

  // Transactions still open show their lease running (30 s, pinged every 5.5 s).
  const txns = d.transactionRows();
  await expect(txns.filter({ hasText: /OPEN|PRE-COMMITTED/ }).first()).toContainText(/[12]\d\.\d s/);

  await d.setSpeed('max');
  await expect(d.verdict).toHaveText(EXACTLY_ONCE);
  const third = d.checkpointRow(3);
  await expect(third).toContainText('completed');
  await expect(third).toContainText('attempt 3 restored from it');
  await expect(d.restartBudget).toHaveText('restarts left 0 of 2');
  await d.findTransaction('cp3');
  await expect(txns.filter({ hasText: 'committed on recovery' })).toHaveCount(2);
  // A committed transaction has no lease left to count.
  await expect(txns.filter({ hasText: 'committed on recovery' }).first()).toContainText('—');
  expect(d.consoleErrors).toEqual([]);
});

test('the restart budget in the header counts down with each injected failure', async ({ page }) => {
  const d = new Dashboard(page);
  await d.startRun({ preset: 'live-demo', exactlyOnce: false, speed: '1x' });
  await expect(d.restartBudget).toHaveText('restarts left 5 of 5');
  await d.injectFailure.click();
  await expect(d.restartBudget).toHaveText('restarts left 4 of 5');
  // The job restarts 500 ms later; a failure can only be thrown into a running job.
  await expect(
    d.sentences
      .filter({ hasText: /Restored from checkpoint \d+|No completed checkpoint: the job restarts/ })
      .first(),
  ).toBeVisible();
  await d.injectFailure.click();
  await expect(d.restartBudget).toHaveText('restarts left 3 of 5');
  await d.stop();
  expect(d.consoleErrors).toEqual([]);
});

test('the event log is searched and exported as the events on screen', async ({ page }) => {
  const d = new Dashboard(page);
  await d.runSeedToVerdict(true);
  await page.getByLabel('Search protocol events').fill('txn-committed');
  const rows = page.locator('table.events tbody tr');
  await expect(rows.first()).toContainText('txn-committed');
  const kinds = await rows.locator('td:nth-child(2)').allTextContents();
  expect(new Set(kinds)).toEqual(new Set(['txn-committed']));
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export', exact: true }).click(),
  ]);
  const lines = (await (await download.createReadStream()).toArray()).join('').trim().split('\n');
  expect(lines.map((l) => JSON.parse(l).kind)).toEqual(kinds.map(() => 'txn-committed'));
  expect(d.consoleErrors).toEqual([]);
});

test('a failure injected "now" at 10x acts at the virtual time the header showed when the button was pressed', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.startRun({ preset: 'live-demo', speed: '10x' });
  await expect(d.runStatus).toContainText(/t = [1-9][\d,]{4,} ms/);
  // Read the header and press the button in one task: exactly what a person saw when clicking.
  const shownMs = await page.evaluate(() => {
    const text = document.querySelector('.run-status')?.textContent ?? '';
    const shown = Number(/t = ([\d,]+) ms/.exec(text)![1]!.replaceAll(',', ''));
    const button = [...document.querySelectorAll('button')].find((b) => b.textContent === 'Inject failure');
    button!.click();
    return shown;
  });
  const failure = page.getByText(/^[\d,]+ ms The mapper throws \(injected/).first();
  await expect(failure).toBeVisible();
  const failedAt = Number(/^([\d,]+) ms/.exec((await failure.textContent())!)![1]!.replaceAll(',', ''));
  // The server had moved on by a second or two of virtual time; the fault still acts right after what was shown.
  expect(failedAt).toBeGreaterThanOrEqual(shownMs + 1);
  expect(failedAt).toBeLessThanOrEqual(shownMs + 101);
  await d.stop();
  expect(d.consoleErrors).toEqual([]);
});
