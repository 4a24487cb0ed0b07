import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import { Dashboard } from './dashboard';
import { cliRows } from './sweep-table';

/**
 * The Sweep page: a sweep runs on the server with progress, its table is the one `eolab sweep`
 * prints for the same seed, any schedule opens as a run with the outcome its cell says, a schedule
 * shrinks to a smallest one, a sweep is cancelled, and the address of a sweep is its share link.
 */

/** The whole-stream verdict of a run, once its report is there (the run on screen, by its address). */
async function verdictOfRunOnScreen(d: Dashboard): Promise<string> {
  await expect(d.page).toHaveURL(/\?run=/);
  const runId = d.runId();
  let verdict: string | null = null;
  await expect
    .poll(async () => {
      const snapshot = await (await d.page.request.get(`/api/runs/${runId}`)).json();
      verdict = snapshot.report?.verdict ?? null;
      return verdict;
    })
    .not.toBeNull();
  return verdict!;
}

async function expectNoViolations(page: Page): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  expect(
    violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
  ).toEqual([]);
}

test('a sweep of 2,000 schedules runs with progress, matches eolab sweep, and a cell opens as a run with its outcome', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const d = new Dashboard(page);
  await d.open('/sweeps');
  await expect(page.getByRole('heading', { name: 'Sweep: where does exactly-once break?' })).toBeVisible();
  await expect(page.getByRole('spinbutton', { name: 'Schedules' })).toHaveValue('2000');
  await expect(page.getByRole('spinbutton', { name: 'Seed' })).toHaveValue('1');
  await page.getByRole('button', { name: 'Start sweep' }).click();
  await expect(page).toHaveURL(/\/sweeps\/[A-Za-z0-9_-]+$/);
  const shareLink = page.url();
  // Progress moves before the end: a bar with the schedules done so far.
  await expect(page.getByText(/^[1-9]\d* \/ 2000 schedules$/)).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('sweep-state')).toHaveText('done', { timeout: 150_000 });

  // The state says done as the last progress arrives; the result is fetched then.
  const expected = cliRows(['--schedules', '2000', '--seed', '1']);
  const table = page.getByTestId('sweep-by-kind');
  await expect(table.locator('tbody tr')).toHaveCount(expected.length);
  const shown = await table
    .locator('tbody tr')
    .evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent ?? '')));
  expect(shown).toEqual(expected);
  await expectNoViolations(page);

  await page.getByRole('button', { name: /^ATLEAST_ONCE, Duplicates: \d+ runs$/ }).click();
  await expect(
    page.getByRole('heading', { name: /^ATLEAST_ONCE · Duplicates: \d+ schedules/ }),
  ).toBeVisible();
  await expectNoViolations(page);
  await page
    .getByRole('button', { name: /^Open as run schedule \d+ in ATLEAST_ONCE$/ })
    .first()
    .click();
  expect(await verdictOfRunOnScreen(d)).toBe('DUPLICATES');

  // The sweep's address is its share link: it opens the same result.
  await page.goto(shareLink);
  await expect(page.getByTestId('sweep-state')).toHaveText('done');
  await expect(page.getByTestId('sweep-by-kind').locator('tbody tr')).toHaveCount(shown.length);
  expect(d.consoleErrors).toEqual([]);
});

test('a sweep on Kafka matches eolab sweep --system kafka, and its schedules open as Kafka runs', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const d = new Dashboard(page);
  await d.open('/sweeps');
  await page.getByLabel('System').selectOption('kafka');
  await expect(page.getByText('Kafka has no commit-rejected')).toBeVisible();
  await page.getByRole('spinbutton', { name: 'Schedules' }).fill('300');
  await page.getByRole('button', { name: 'Start sweep' }).click();
  await expect(page.getByTestId('sweep-state')).toHaveText('done', { timeout: 100_000 });
  const expected = cliRows(['--schedules', '300', '--seed', '1', '--system', 'kafka']);
  const rows = page.getByTestId('sweep-by-kind').locator('tbody tr');
  await expect(rows).toHaveCount(expected.length);
  const shown = await rows.evaluateAll((trs) =>
    trs.map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent ?? '')),
  );
  expect(shown).toEqual(expected);
  await expectNoViolations(page);
  await page.getByRole('button', { name: /^EXACTLY_ONCE, Exactly once: \d+ runs$/ }).click();
  await page
    .getByRole('button', { name: /^Open as run schedule \d+ in EXACTLY_ONCE$/ })
    .first()
    .click();
  expect(await verdictOfRunOnScreen(d)).toBe('EXACTLY_ONCE');
  const snapshot = await (await page.request.get(`/api/runs/${d.runId()}`)).json();
  expect(snapshot.report.system).toBe('kafka');
  expect(d.consoleErrors).toEqual([]);
});

test('Shrink finds the one crash of lease-expiry among added faults, and the shrunk schedule opens as a run that loses data', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.open('/sweeps');
  await page.getByLabel('Base scenario').selectOption('lease-expiry');
  for (const box of await page
    .getByRole('group', { name: 'Fault kinds to draw from' })
    .getByRole('checkbox')
    .all())
    await box.uncheck();
  await page.getByRole('checkbox', { name: 'store-outage' }).check();
  await page.getByRole('checkbox', { name: 'job-pause' }).check();
  await page.getByLabel('Faults added per schedule, at most').fill('2');
  await page.getByRole('spinbutton', { name: 'Schedules' }).fill('40');
  await page.getByRole('button', { name: 'Start sweep' }).click();
  await expect(page.getByTestId('sweep-state')).toHaveText('done', { timeout: 60_000 });

  await page.getByRole('button', { name: /^EXACTLY_ONCE, Loss: \d+ runs$/ }).click();
  // A schedule with an added fault: the last ones listed have some.
  const rows = page.getByRole('row').filter({ hasText: /crash-before-notify, (store-outage|job-pause)/ });
  await rows
    .first()
    .getByRole('button', { name: /^Shrink/ })
    .click();
  const outcome = page.getByRole('status', { name: /^Shrinking schedule \d+$/ });
  await expect(outcome.getByRole('heading')).toContainText(/keeping the loss: [23] faults → 1,/);
  await expect(outcome.getByRole('listitem').first()).toContainText(
    /^removed [12] of [23] faults; kept crash-before-notify/,
  );
  await expectNoViolations(page);
  await outcome.getByRole('button', { name: 'Open the shrunk schedule as a run' }).click();
  expect(await verdictOfRunOnScreen(d)).toBe('LOSS');
  expect(d.consoleErrors).toEqual([]);
});

test('a sweep is cancelled, and choices the server would refuse are refused by the form', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.open('/sweeps');
  await page.getByRole('spinbutton', { name: 'Schedules' }).fill('20000');
  await page.getByRole('button', { name: 'Start sweep' }).click();
  await expect(page.getByTestId('sweep-state')).toHaveText('running');
  await page.getByRole('button', { name: 'Cancel sweep' }).click();
  await expect(page.getByTestId('sweep-state')).toHaveText('cancelled');

  // More than the server takes: the form itself refuses it, saying the maximum, and starts nothing.
  const schedules = page.getByRole('spinbutton', { name: 'Schedules' });
  await schedules.fill('30000');
  await page.getByRole('button', { name: 'Start sweep' }).click();
  expect(await schedules.evaluate((e) => (e as HTMLInputElement).validationMessage)).toContain('20000');
  await expect(page.getByTestId('sweep-state')).toHaveText('cancelled');
  // No fault kind: nothing to draw, said before Start.
  for (const box of await page
    .getByRole('group', { name: 'Fault kinds to draw from' })
    .getByRole('checkbox')
    .all())
    await box.uncheck();
  await expect(page.getByText('Choose at least one fault kind.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Start sweep' })).toBeDisabled();
  expect(d.consoleErrors).toEqual([]);
});

test('the Sweeps page verifies random schedules on the model and on PostgreSQL, on Pravega and on Kafka, as eolab verify --schedules', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const d = new Dashboard(page);
  await d.open('/sweeps');
  await page.getByLabel('Backend').selectOption('postgres');
  await expect(page.getByLabel('Base scenario')).toHaveCount(0);
  const schedules = page.getByRole('spinbutton', { name: 'Schedules' });
  await expect(schedules).toHaveValue('20');
  await schedules.fill('3');
  await page.getByRole('spinbutton', { name: 'Seed' }).fill('40');
  await page.getByRole('button', { name: 'Start sweep' }).click();
  await expect(page.getByTestId('sweep-state')).toHaveText('done', { timeout: 150_000 });
  await expect(page.getByTestId('verify-table').locator('tbody tr')).toHaveCount(3);
  await expect(page.getByTestId('verify-table').locator('tbody tr').first()).toContainText(/^040/);
  await expect(page.getByTestId('verify-summary')).toHaveText(
    /^3 schedules: \d agree value for value, \d differ only where timing decides, 0 differ otherwise$/,
  );
  await expectNoViolations(page);

  // The same on Kafka: its rules on PostgreSQL, as eolab verify --schedules --system kafka.
  await page.getByLabel('System').selectOption('kafka');
  await schedules.fill('2');
  await page.getByRole('button', { name: 'Start sweep' }).click();
  await expect(
    page.getByText(/random Kafka schedules of the faults PostgreSQL reproduces/).first(),
  ).toBeVisible();
  await expect(page.getByTestId('sweep-state')).toHaveText('done', { timeout: 120_000 });
  await expect(page.getByTestId('verify-table').locator('tbody tr')).toHaveCount(2);
  await expect(page.getByTestId('verify-summary')).toHaveText(
    /^2 schedules: \d agree value for value, \d differ only where timing decides, 0 differ otherwise$/,
  );
  expect(d.consoleErrors).toEqual([]);
});
