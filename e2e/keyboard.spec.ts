import { expect, type Locator, type Page, test } from '@playwright/test';
import { Dashboard } from './dashboard';

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
  await expect(d.verdict).toHaveText('No duplicate found. EXACTLY_ONCE!');

  const sentence = page.getByRole('button', { name: /Transactions cp1·s0 and cp1·s1 committed/ });
  await tabTo(page, sentence, 120);
  await page.keyboard.press('Enter');
  await expect(sentence).toHaveAttribute('aria-pressed', 'true');
  // Every chart and both timelines draw the picked moment.
  await expect(page.locator('.highlight-marker')).toHaveCount(5);
  expect(d.consoleErrors).toEqual([]);
});
