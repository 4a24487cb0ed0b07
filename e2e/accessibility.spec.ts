import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import { Dashboard, FOUND_DUPLICATES } from './dashboard';

/**
 * axe-core over every screen a person meets, in both themes: the dashboard while a run moves and
 * after its verdict, the compare view and the Runs page. Any violation fails the test with its
 * rule, its nodes and why.
 */
async function expectNoViolations(page: Page, where: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const found = violations.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help}\n${v.nodes
        .slice(0, 5)
        .map((n) => `    ${n.target.join(' ')}: ${n.failureSummary?.replaceAll('\n', ' ')}`)
        .join('\n')}`,
  );
  expect.soft(found, `axe-core on ${where}`).toEqual([]);
}

async function useTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  const toggle = page.getByRole('button', { name: /Switch to (light|dark) theme/ });
  if ((await page.locator('html').getAttribute('data-theme')) !== theme) await toggle.click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
}

for (const theme of ['light', 'dark'] as const) {
  test(`no axe-core violations in the ${theme} theme: dashboard during and after a run, compare, Runs`, async ({
    page,
  }) => {
    const d = new Dashboard(page);
    await d.open();
    await useTheme(page, theme);
    await expectNoViolations(page, 'the dashboard before a run');

    await d.choosePreset('live-demo');
    await d.setSpeed('1x');
    await d.start.click();
    await expect(d.statePill).toHaveText('running');
    await expect(page.locator('.sentences li').first()).toBeVisible();
    await expectNoViolations(page, 'the dashboard during a run');
    await d.stop();
    await expect(d.statePill).toHaveText('stopped');

    await d.choosePreset('seed');
    await d.setSpeed('max');
    await d.start.click();
    await expect(d.verdict).toHaveText(FOUND_DUPLICATES);
    await expectNoViolations(page, 'the dashboard after a run');

    await d.compareModes();
    await expect(d.comparisonTable()).toBeVisible();
    await expectNoViolations(page, 'the compare view');

    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await expect(page.getByRole('table', { name: 'Stored runs' })).toBeVisible();
    await expectNoViolations(page, 'the Runs page');
  });
}
