import { expect, test } from '@playwright/test';
import { Dashboard } from './dashboard';

test('dragging across a chart zooms every chart and timeline to that window; the cursor is drawn in all of them', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.runSeedToVerdict(true);
  const timeWindow = page.getByRole('group', { name: 'Time window' });
  await expect(timeWindow).toContainText('Whole run');

  // Hovering one chart draws the cursor at the same time in the three charts, two timelines and the diagram.
  const chart = d.page.getByRole('figure', { name: 'Events over virtual time chart' });
  await chart.scrollIntoViewIfNeeded();
  const box = (await chart.boundingBox())!;
  const y = box.y + 80;
  await page.mouse.move(box.x + box.width / 2, y);
  await expect(page.getByTestId('time-cursor')).toHaveCount(6);
  await expect(timeWindow).toContainText(/cursor at [\d,]+ ms/);

  // Drag from a quarter to the middle of the plot: the window is about that stretch of the run.
  await page.mouse.move(box.x + box.width * 0.25, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.4, y, { steps: 4 });
  await page.mouse.move(box.x + box.width * 0.5, y, { steps: 4 });
  await page.mouse.up();
  await expect(timeWindow).toContainText(/Zoomed to [\d,]+–[\d,]+ ms/);
  const from = Number(await timeWindow.getByLabel('From (ms)').inputValue());
  const to = Number(await timeWindow.getByLabel('To (ms)').inputValue());
  expect(from).toBeGreaterThan(0);
  expect(to).toBeGreaterThan(from);
  // The checkpoint timeline's axis now starts inside the run, not at 0 ms.
  const firstTick = page
    .getByRole('img', { name: /checkpoints$/ })
    .locator('.timeline-axis text')
    .first();
  expect(Number((await firstTick.textContent())!.replace(/[^\d]/g, ''))).toBeGreaterThanOrEqual(from);

  // From the keyboard: type the window's ends.
  await timeWindow.getByLabel('From (ms)').fill('100');
  await timeWindow.getByLabel('To (ms)').focus();
  await expect(timeWindow).toContainText(`Zoomed to 100–${to.toLocaleString('en')} ms`);

  // A double click shows the whole run again.
  await chart.dblclick();
  await expect(timeWindow).toContainText('Whole run');
  await expect(firstTick).toHaveText('0 ms');
  expect(d.consoleErrors).toEqual([]);
});
