import { expect, test } from '@playwright/test';
import { Dashboard } from './dashboard';

test('a crash aimed at the next checkpoint from the dashboard: the history shows it completed and restored from, its transactions committed on recovery', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.open();
  await d.choosePreset('notify-lost');
  await d.setExactlyOnce(true);
  await d.setKnob('Events', 5_000);
  await d.setSpeed('1x');
  await d.start.click();
  await expect(page.locator('.run-status .pill')).toHaveText('running');
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(page.locator('.run-status .pill')).toHaveText('paused');

  await page.getByRole('radio', { name: 'at the next checkpoint' }).check();
  await page.getByText('Other faults').click();
  await page.getByRole('button', { name: 'Inject crash-before-notify' }).click();
  const injected = page.getByText(/^Injected crash-before-notify at checkpoint (\d+)$/);
  await expect(injected).toBeVisible();
  const checkpoint = /checkpoint (\d+)$/.exec((await injected.textContent()) ?? '')![1]!;

  await d.setSpeed('max');
  await page.getByRole('button', { name: 'Resume', exact: true }).click();
  await expect(d.verdict).toHaveText('No duplicate found. EXACTLY_ONCE!');

  const history = page.getByRole('region', { name: 'Checkpoint history table' });
  const row = history
    .getByRole('row')
    .filter({ has: page.getByRole('cell', { name: checkpoint, exact: true }) });
  await expect(row).toContainText('completed');
  await expect(row).toContainText('attempt 2 restored from it');

  await page.getByLabel('Find a transaction').fill(`cp${checkpoint}`);
  const txns = page.getByRole('region', { name: 'Transactions table' }).getByRole('row');
  await expect(txns.filter({ hasText: 'committed on recovery' })).toHaveCount(2);
  expect(d.consoleErrors).toEqual([]);
});

test('crash-before-notify aimed at checkpoint 3: checkpoint 3 completed, the failover, its transactions committed on recovery, and their lease', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.open();
  await d.choosePreset('seed');
  await d.setExactlyOnce(true);
  // Checkpoints 2 s apart in real time: checkpoint 3 is well ahead when the fault is aimed.
  await d.setKnob('Checkpoint interval (ms)', 2_000);
  // The sample's own failure at element 26 takes one restart; the crash needs a second.
  await d.setKnob('Restart attempts', 2);
  await d.setSpeed('1x');
  await d.start.click();
  await expect(page.locator('.run-status .pill')).toHaveText('running');
  await page.getByRole('radio', { name: 'at checkpoint' }).check();
  await page.getByLabel('Checkpoint to aim at').fill('3');
  await page.getByText('Other faults').click();
  await page.getByRole('button', { name: 'Inject crash-before-notify' }).click();
  await expect(page.getByText('Injected crash-before-notify at checkpoint 3')).toBeVisible();

  // Transactions still open show their lease running (30 s, pinged every 5.5 s).
  const txns = page.getByRole('region', { name: 'Transactions table' }).getByRole('row');
  await expect(txns.filter({ hasText: /OPEN|PRE-COMMITTED/ }).first()).toContainText(/[12]\d\.\d s/);

  await d.setSpeed('max');
  await expect(d.verdict).toHaveText('No duplicate found. EXACTLY_ONCE!');
  const third = page
    .getByRole('region', { name: 'Checkpoint history table' })
    .getByRole('row')
    .filter({ has: page.getByRole('cell', { name: '3', exact: true }) });
  await expect(third).toContainText('completed');
  await expect(third).toContainText('attempt 3 restored from it');
  await expect(page.locator('.run-status .restarts')).toHaveText('restarts left 0 of 2');
  await page.getByLabel('Find a transaction').fill('cp3');
  await expect(txns.filter({ hasText: 'committed on recovery' })).toHaveCount(2);
  // A committed transaction has no lease left to count.
  await expect(txns.filter({ hasText: 'committed on recovery' }).first()).toContainText('—');
  expect(d.consoleErrors).toEqual([]);
});

test('the restart budget in the header counts down with each injected failure', async ({ page }) => {
  const d = new Dashboard(page);
  await d.open();
  await d.choosePreset('live-demo');
  await d.setExactlyOnce(false);
  await d.setSpeed('1x');
  await d.start.click();
  const budget = page.locator('.run-status .restarts');
  await expect(budget).toHaveText('restarts left 5 of 5');
  await d.injectFailure.click();
  await expect(budget).toHaveText('restarts left 4 of 5');
  // The job restarts 500 ms later; a failure can only be thrown into a running job.
  await expect(
    page.getByText(/Restored from checkpoint \d+|No completed checkpoint: the job restarts/).first(),
  ).toBeVisible();
  await d.injectFailure.click();
  await expect(budget).toHaveText('restarts left 3 of 5');
  await page.getByRole('button', { name: 'Stop', exact: true }).click();
  expect(d.consoleErrors).toEqual([]);
});

test('the event log is searched and exported as the events on screen', async ({ page }) => {
  const d = new Dashboard(page);
  await d.runSeed(true);
  await expect(d.verdict).toHaveText('No duplicate found. EXACTLY_ONCE!');
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
  await d.open();
  await d.choosePreset('live-demo');
  await d.setSpeed('10x');
  await d.start.click();
  await expect(page.locator('.run-status')).toContainText(/t = [1-9][\d,]{4,} ms/);
  // Read the header and press the button in one task: exactly what a person saw when clicking.
  const shownMs = await page.evaluate(() => {
    const text = document.querySelector('.run-status')?.textContent ?? '';
    const shown = Number(/t = ([\d,]+) ms/.exec(text)![1]!.replaceAll(',', ''));
    const button = [...document.querySelectorAll('button')].find((b) => b.textContent === 'Inject failure');
    button!.click();
    return shown;
  });
  const failure = page.getByText(/^\d+ ms The mapper throws \(injected/).first();
  await expect(failure).toBeVisible();
  const failedAt = Number(/^(\d+) ms/.exec((await failure.textContent())!)![1]);
  // The server had moved on by a second or two of virtual time; the fault still acts right after what was shown.
  expect(failedAt).toBeGreaterThanOrEqual(shownMs + 1);
  expect(failedAt).toBeLessThanOrEqual(shownMs + 101);
  await page.getByRole('button', { name: 'Stop', exact: true }).click();
  expect(d.consoleErrors).toEqual([]);
});
