import { readFileSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import { Dashboard } from './dashboard';

/**
 * The fault-timeline editor: a timeline is edited (added, typed, dragged, moved by keys, deleted),
 * its placements explained, saved as a file, opened again after a reload, shared as a link and
 * started; each start runs exactly the timeline edited.
 */

/** The faults of the run on screen, as the server holds its scenario. */
async function faultsOfRunOnScreen(d: Dashboard): Promise<unknown[]> {
  await expect(d.page).toHaveURL(/\?run=/);
  const snapshot = await (await d.page.request.get(`/api/runs/${d.runId()}`)).json();
  return snapshot.scenario.faults;
}

function slider(page: Page, i: number, kind: string) {
  return page.getByRole('slider', { name: `faults[${i}] ${kind}` });
}

test('a fault timeline is edited, explained, saved, reopened after a reload, shared and started', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.open();
  await page.getByText('Fault timeline').click();
  const faults = page.getByRole('list', { name: 'Faults of the next run' });
  await expect(faults.getByRole('listitem')).toHaveCount(1);
  await expect(faults.getByRole('listitem').first()).toContainText('faults[0] mapper-exception');

  // Add a store outage, then place it by typing, dragging and the arrow keys.
  await page.getByLabel('Fault kind').selectOption('store-outage');
  await page.getByRole('button', { name: 'Add fault' }).click();
  const outage = faults.getByRole('listitem').nth(1);
  await outage.getByLabel('atMs').fill('150');
  await expect(slider(page, 1, 'store-outage')).toHaveAttribute('aria-valuenow', '150');
  const dot = slider(page, 1, 'store-outage').locator('circle');
  const box = (await dot.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 120, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  const dragged = Number(await slider(page, 1, 'store-outage').getAttribute('aria-valuenow'));
  expect(dragged).toBeGreaterThan(150);
  await slider(page, 1, 'store-outage').focus();
  await page.keyboard.press('ArrowLeft');
  const placed = Number(await slider(page, 1, 'store-outage').getAttribute('aria-valuenow'));
  expect(placed).toBeLessThan(dragged);
  await expect(outage.getByLabel('atMs')).toHaveValue(String(placed));

  // Placements that do not do what they seem to are explained; a deleted fault takes its note along.
  const notes = page.getByRole('list', { name: 'What the placements do' });
  await page.getByLabel('Fault kind').selectOption('crash-after-precommit');
  await page.getByRole('button', { name: 'Add fault' }).click();
  await expect(notes).toContainText(
    'faults[2] (crash-after-precommit) is beyond the restart budget (1 restarts)',
  );
  await faults.getByRole('listitem').nth(2).getByLabel('checkpoint').fill('400');
  await expect(notes).toContainText('faults[2] (crash-after-precommit) is after the end');
  await expect(new AxeBuilder({ page }).include('.timeline-editor').analyze()).resolves.toMatchObject({
    violations: [],
  });
  await page.getByRole('button', { name: 'Delete faults[2]' }).click();
  await expect(notes).toHaveCount(0);

  // Save, reload (the editor starts from the preset again), open the file: the same timeline.
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Save as scenario file' }).click();
  const file = await (await download).path();
  const saved = JSON.parse(readFileSync(file, 'utf8'));
  expect(saved.faults).toEqual([
    { kind: 'mapper-exception', atElement: 26 },
    { kind: 'store-outage', atMs: placed, durationMs: expect.any(Number) },
  ]);
  await page.reload();
  await page.getByText('Fault timeline').click();
  await expect(faults.getByRole('listitem')).toHaveCount(1);
  await page.getByLabel('Open scenario file').setInputFiles(file);
  await expect(faults.getByRole('listitem')).toHaveCount(2);
  await expect(faults.getByRole('listitem').nth(1).getByLabel('atMs')).toHaveValue(String(placed));

  // Start it: the run has exactly these faults. Share it: the link starts the same timeline.
  await page.getByRole('button', { name: 'Start with this timeline' }).click();
  expect(await faultsOfRunOnScreen(d)).toEqual(saved.faults);
  await page.getByRole('button', { name: 'Share timeline link' }).click();
  const link = await page.getByLabel('Timeline link').inputValue();
  await page.goto(link);
  await expect(page).toHaveURL(/\?run=/);
  expect(await faultsOfRunOnScreen(d)).toEqual(saved.faults);
  expect(d.consoleErrors).toEqual([]);
});
