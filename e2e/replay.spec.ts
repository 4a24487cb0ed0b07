import { expect, test } from '@playwright/test';
import { Dashboard, FOUND_DUPLICATES } from './dashboard';

test('the scrubber moves the verdict, the narration and the charts through a finished run', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.runSeedToVerdict(false);
  const slider = page.getByRole('slider', { name: 'Virtual time' });
  const end = Number(await slider.getAttribute('max'));
  expect(end).toBeGreaterThan(200);

  await slider.fill('100');
  await expect(d.verdict).toHaveText('Checking… no duplicate so far');
  await expect(d.sentences.filter({ hasText: /Restored from checkpoint 1 at position 16/ })).toHaveCount(0);
  await expect(page.locator('.scrub-time')).toHaveText(`100 / ${end} ms`);

  // Step through protocol events with the keyboard until the restore has happened.
  await slider.focus();
  for (let i = 0; i < 12; i++) await page.keyboard.press(']');
  await expect(d.sentences.filter({ hasText: /Restored from checkpoint 1 at position 16/ })).toBeVisible();

  await slider.fill(String(end));
  await expect(d.verdict).toHaveText(FOUND_DUPLICATES);
  await expect(d.duplicateValues).toHaveText('17..24');
});
