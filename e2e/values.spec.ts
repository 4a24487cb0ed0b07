import AxeBuilder from '@axe-core/playwright';
import type { Report } from '@eolab/engine';
import { expect, type Page, test } from '@playwright/test';
import { Dashboard } from './dashboard';

/** "Find a value" and the checker's "why" links, as a person uses them. */

const valueSearch = (page: Page) => page.getByRole('region', { name: "Each value's life" });

async function find(page: Page, value: number): Promise<void> {
  const form = page.getByRole('form', { name: 'Find a value' });
  await form.getByRole('searchbox', { name: 'Find a value' }).fill(String(value));
  await form.getByRole('button', { name: 'Find' }).click();
}

test('the seed in ATLEAST_ONCE: "Find a value" 17 shows two emissions, two writes and two reads, and why', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.runSeedToVerdict(false);
  await find(page, 17);
  const life = valueSearch(page).getByRole('table', { name: 'Life of 17' });
  const rows = (step: string) => life.locator(`tr[data-step="${step}"]`);
  await expect(rows('emitted')).toHaveCount(2);
  await expect(rows('emitted').nth(0)).toContainText('by the source of attempt 1');
  await expect(rows('emitted').nth(1)).toContainText('by the source of attempt 2');
  await expect(rows('written')).toHaveCount(2);
  await expect(rows('written').nth(0)).toContainText('of attempt 1, a plain write');
  await expect(rows('first read')).toHaveCount(1);
  await expect(rows('second read')).toContainText("attempt 2's write");
  await expect(rows('second read')).toContainText('a duplicate');
  await expect(valueSearch(page).getByTestId('value-summary')).toContainText(
    "17 was read twice: a duplicate (emitted twice, written twice, read twice). Why: first visible from attempt 1; the mapper's artificial exception at element 26",
  );
  // Its strip: the values around it at the run's end, all read, 17..24 by two copies.
  const strip = valueSearch(page).getByRole('list', { name: /^Values 5 to 29 at / });
  await expect(strip.getByRole('listitem')).toHaveCount(25);
  await expect(
    strip.getByRole('listitem', { name: /^17: committed \(visible\); read_committed sees 2/ }),
  ).toBeVisible();
  await expect(
    strip.getByRole('listitem', { name: /^16: committed \(visible\); read_committed sees 1,/ }),
  ).toBeVisible();
  const { violations } = await new AxeBuilder({ page }).include('#value-search').analyze();
  expect(violations).toEqual([]);
  expect(d.consoleErrors).toEqual([]);
});

test('the seed in EXACTLY_ONCE: 17 went into a transaction aborted when its task closed, then one committed; the strip shows the moment it was open', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.runSeedToVerdict(true);
  // Opened from elsewhere: the search box takes a value typed with the keyboard too.
  await find(page, 17);
  const life = valueSearch(page).getByRole('table', { name: 'Life of 17' });
  await expect(life.locator('tr[data-step="aborted"]')).toContainText('(task-closed)');
  await expect(life.locator('tr[data-step="committed"]')).toHaveCount(1);
  await expect(life.locator('tr[data-step="first read"]')).toContainText('its transaction committed');
  await expect(life.locator('tr[data-step="second read"]')).toHaveCount(0);
  await expect(valueSearch(page).getByTestId('value-summary')).toContainText('17 was read exactly once');
  // At the moment it was written by attempt 1, it sits in an open transaction no read_committed reader sees.
  const firstWrite = life.locator('tr[data-step="written"]').first().getByRole('button');
  const atMs = Number((await firstWrite.textContent())!.replace(/[^\d]/g, ''));
  await valueSearch(page).getByLabel('Moment').selectOption(String(atMs));
  await expect(
    valueSearch(page).getByRole('listitem', {
      name: /^17: in an open transaction; read_committed sees 0, read_uncommitted sees 0/,
    }),
  ).toBeVisible();
  // Its life's times move the timelines there.
  await firstWrite.click();
  await expect(page.getByRole('group', { name: 'Time window' })).toContainText('Zoomed to');
  await expect(page.locator('.highlight-marker').first()).toBeAttached();
  // A transaction's values in the inspector open their lives too.
  await d.findTransaction('cp1·s0');
  const follow = d
    .transactionRows()
    .filter({ hasText: 'cp1·s0' })
    .getByRole('button', { name: /^Follow / })
    .first();
  const value = (await follow.textContent())!;
  await follow.click();
  const opened = valueSearch(page).getByRole('table', { name: `Life of ${value}` });
  await expect(opened.locator('tr[data-step="written"]')).toContainText('into transaction cp1·s0');
});

test('"why" links: a duplicate range jumps the timelines to the failure and the restore that caused it, and follows a value', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.runSeedToVerdict(false);
  const report = ((await (await page.request.get(`/api/runs/${d.runId()}`)).json()) as { report: Report })
    .report;
  const cause = report.causes.duplicates[0]!;
  const why = page.getByRole('list', { name: 'Why the duplicates' });
  const failure = why.getByRole('button', { name: /^Failure: attempt 1 failed at / });
  await expect(failure).toHaveText(`Failure: attempt 1 failed at ${cause.failure!.atMs} ms`);
  await failure.click();
  const window = page.getByRole('group', { name: 'Time window' });
  await expect(window).toContainText('Zoomed to');
  const from = Number(await window.getByLabel('From (ms)').inputValue());
  const to = Number(await window.getByLabel('To (ms)').inputValue());
  expect(from).toBeLessThanOrEqual(cause.failure!.atMs);
  expect(to).toBeGreaterThanOrEqual(cause.failure!.atMs);
  await expect(window).toContainText(`cursor at ${cause.failure!.atMs} ms`);
  // The failure is marked on the timelines at its moment.
  await expect(page.locator('.highlight-marker').first()).toBeAttached();
  await expect(
    why.getByRole('button', {
      name: `Restore: attempt 2 from checkpoint ${cause.restore!.checkpointId} at ${cause.restore!.atMs} ms`,
    }),
  ).toBeVisible();
  // The checker's duplicated values and its causes open a value's life.
  await d.duplicateValues.getByRole('button', { name: 'Follow 24' }).click();
  await expect(valueSearch(page).getByRole('table', { name: 'Life of 24' })).toBeVisible();
  await why.getByRole('button', { name: 'Follow 17' }).click();
  await expect(valueSearch(page).getByRole('table', { name: 'Life of 17' })).toBeVisible();
  await expect(valueSearch(page).getByRole('searchbox', { name: 'Find a value' })).toHaveValue('17');
  const { violations } = await new AxeBuilder({ page }).include('.checker').analyze();
  expect(violations).toEqual([]);
});

test('bad input in "Find a value" is refused with a sentence, and the server is not asked', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.runSeedToVerdict(false);
  await find(page, 51);
  await expect(valueSearch(page).getByRole('alert')).toHaveText('Type a value from 1 to 50.');
  await expect(valueSearch(page).getByRole('table')).toHaveCount(0);
});
