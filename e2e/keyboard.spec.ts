import { expect, type Locator, type Page, test } from '@playwright/test';
import { Dashboard, EXACTLY_ONCE } from './dashboard';

/** Presses Tab until `target` has the focus, as a keyboard user would; fails after `max` presses. */
async function tabTo(page: Page, target: Locator, max = 60): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  await expect(target).toBeFocused();
}

test('the sample runs from the keyboard alone, and a sentence marks its moment on the charts', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.open();
  await tabTo(page, d.exactlyOnce);
  await page.keyboard.press('Space');
  await expect(d.exactlyOnce).toBeChecked();
  await tabTo(page, d.start);
  await page.keyboard.press('Enter');
  await expect(d.verdict).toHaveText(EXACTLY_ONCE);

  // The narration is one tab stop; the arrows move along its sentences.
  const sentences = page.getByRole('list', { name: 'Narration' }).getByRole('button');
  await tabTo(page, sentences.first(), 60);
  const sentence = page.getByRole('button', { name: /Transactions cp1·s0 and cp1·s1 committed/ });
  for (let i = 0; i < 20 && !(await sentence.evaluate((el) => el === document.activeElement)); i++)
    await page.keyboard.press('ArrowDown');
  await expect(sentence).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(sentence).toHaveAttribute('aria-pressed', 'true');
  // Every chart, both timelines and the protocol diagram draw the picked moment.
  await expect(page.locator('.highlight-marker')).toHaveCount(6);
  // One Tab leaves the story: no sentence takes the focus after it.
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.activeElement?.classList.contains('sentence'))).toBe(false);
  expect(d.consoleErrors).toEqual([]);
});

test('a skip link, the first tab stop, jumps past the controls to the run', async ({ page }) => {
  const d = new Dashboard(page);
  await d.open();
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to the run' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(page.locator('#run-view')).toBeFocused();
  // The next stop is inside the run's view, not among the controls.
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.activeElement?.closest('#run-view') !== null)).toBe(true);
});
