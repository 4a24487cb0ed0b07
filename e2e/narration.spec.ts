import AxeBuilder from '@axe-core/playwright';
import { expect, type Locator, type Page, test } from '@playwright/test';
import { Dashboard, EXACTLY_ONCE } from './dashboard';

/** axe-core over the narration panel as it is now (its paging line, its way back to the newest). */
async function expectAccessible(page: Page): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).include('.narration').analyze();
  expect(violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

/** The narration's list, scrolled as a person left it: how far from its bottom (px). */
const fromBottom = (list: Locator) => list.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);

async function sentencesNamed(page: Page, text: RegExp): Promise<number> {
  return page.getByRole('list', { name: 'Narration' }).getByRole('button', { name: text }).count();
}

test('the narration follows the newest sentence, and stays where a person scrolled back to', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.startRun({ preset: 'live-demo', exactlyOnce: false, speed: '1x' });
  const list = page.getByRole('list', { name: 'Narration' });
  const sentences = list.getByRole('button');
  await expect(sentences.filter({ hasText: /Checkpoint 3 completed/ })).toBeVisible();
  // Failures until the story no longer fits its box (each tells the failure, the restart, the restore).
  for (let restores = 1; restores <= 3; restores++) {
    if (await list.evaluate((el) => el.scrollHeight > el.clientHeight * 1.5)) break;
    await d.injectFailure.click();
    await expect.poll(() => sentencesNamed(page, /Restored from checkpoint/)).toBe(restores);
  }
  // It followed: the newest sentence is in view, at the bottom.
  await expect(sentences.last()).toBeInViewport();
  expect(await fromBottom(list)).toBeLessThanOrEqual(8);

  // Scrolled back to the start, a new failure does not pull the story away from the reader...
  await list.evaluate((el) => {
    el.scrollTop = 0;
  });
  await expect(sentences.first()).toBeInViewport();
  const restores = await sentencesNamed(page, /Restored from checkpoint/);
  await d.injectFailure.click();
  await expect.poll(() => sentencesNamed(page, /Restored from checkpoint/)).toBe(restores + 1);
  await expect(sentences.first()).toBeInViewport();
  expect(await list.evaluate((el) => el.scrollTop)).toBe(0);
  // ...and offers the way back to the newest.
  const newest = page.getByRole('button', { name: '↓ Newest sentence' });
  await expect(newest).toBeVisible();
  await expectAccessible(page);
  await newest.click();
  await expect(sentences.last()).toBeInViewport();
  await expect(newest).toHaveCount(0);
  await d.stop();
  expect(d.consoleErrors).toEqual([]);
});

test("a long run's narration counts what its report counts, and pages back through the whole story", async ({
  page,
}) => {
  // 20,000 events, a failure every 50 ms of virtual time from 1 s on: hundreds of sentences, more
  // than a page, and many more events than the browser ever holds.
  const faults = Array.from({ length: 60 }, (_, i) => ({ kind: 'mapper-exception', atMs: 1_000 + 50 * i }));
  const created = await page.request.post('/api/runs', {
    data: {
      scenario: {
        name: 'many failures',
        mode: 'EXACTLY_ONCE',
        numEvents: 20_000,
        source: { throttleUntilPosition: 50 },
        checkpoint: { intervalMs: 250 },
        restart: { attempts: 100, delayMs: 0 },
        faults,
      },
      speed: 'max',
    },
  });
  expect(created.status()).toBe(201);
  const { runId } = await created.json();
  const d = new Dashboard(page);
  await d.open(`/?run=${runId}`);
  await expect(d.verdict).toHaveText(EXACTLY_ONCE);
  const report = (await (await page.request.get(`/api/runs/${runId}`)).json()).report;
  const list = page.getByRole('list', { name: 'Narration' });
  await expect(list.getByRole('button').last()).toContainText(
    `${report.checkpoints.completed} checkpoints completed.`,
  );
  // The browser holds the newest page and says so; the person pages back to the start.
  const count = page.getByTestId('narration-count');
  await expect(count).toHaveText(/^Showing 200 of ([\d,]+) sentences/);
  await expectAccessible(page);
  const total = Number(/of ([\d,]+)/.exec((await count.textContent()) ?? '')![1]!.replaceAll(',', ''));
  expect(total).toBeGreaterThan(200);
  const earlier = page.getByRole('button', { name: 'Show earlier' });
  for (let shown = 200; shown < total; ) {
    await earlier.click();
    shown = Math.min(total, shown + 200);
    if (shown < total)
      await expect(count).toHaveText(new RegExp(`^Showing ${shown.toLocaleString('en')} of`));
  }
  await expect(count).toHaveCount(0);
  await expect(list.getByRole('button')).toHaveCount(total);
  await expect(list.getByRole('button').first()).toContainText('Run started in EXACTLY_ONCE: 20,000 events');
  expect(d.consoleErrors).toEqual([]);
});
