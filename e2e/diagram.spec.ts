import { expect, test } from '@playwright/test';
import { Dashboard } from './dashboard';

test('the seed in EXACTLY_ONCE as a space-time diagram: checkpoint 1 to both sinks and back, the failure at element 26, the aborts and the restore; a sentence lights its messages', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.runSeedToVerdict(true);
  const diagram = page.getByRole('region', { name: 'Protocol diagram' });
  await expect(diagram.getByTestId('diagram-count')).toHaveText(/^78 messages between 0 and [\d,]+ ms\.$/);
  await diagram.getByText(/The diagram as a list/).click();
  const list = diagram.getByRole('list', { name: 'Protocol messages' });
  for (const sink of ['sink 0', 'sink 1']) {
    await expect(list).toContainText(
      `barrier of checkpoint 1, source · attempt 1 → ${sink} · attempt 1, 100–101 ms`,
    );
    await expect(list).toContainText(
      `acknowledge checkpoint 1, ${sink} · attempt 1 → checkpoint coordinator`,
    );
    await expect(list).toContainText(
      `notifyCheckpointComplete(1), checkpoint coordinator → ${sink} · attempt 1`,
    );
    await expect(list).toContainText(`abort cp2·s${sink.at(-1)}`);
    await expect(list).toContainText(
      `restore from checkpoint 1, checkpoint coordinator → ${sink} · attempt 2`,
    );
  }
  await expect(list).toContainText('commit cp1·s0 (#1), sink 0 · attempt 1 → Pravega controller, 104 ms');
  await expect(list).toContainText('commit cp1·s1 (#2), sink 1 · attempt 1 → Pravega controller, 104 ms');
  await expect(list).toContainText(/task failed, source · attempt 1 → checkpoint coordinator, 112 ms: .*26/);

  // The failure's sentence in the story lights its messages; the failure's arrow names its sentence.
  const failure = diagram.locator('.diagram-arrow[data-kind="failure"]');
  await expect(failure.locator('title')).toHaveText(/In the story: .*26/);
  await expect(failure).toHaveAttribute('data-lit', 'false');
  await d.sentences
    .filter({ hasText: /^112 ms/ })
    .first()
    .click();
  await expect(failure).toHaveAttribute('data-lit', 'true');
  await expect(list.locator('[aria-current="true"]').first()).toContainText('112 ms');
});

test('a dense run is bundled and says so; zooming in draws each message, and the zombie writer’s late writes show where they went', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.startRun({ preset: 'live-demo', exactlyOnce: true, speed: 'max' });
  await expect(d.statePill).toHaveText('finished');
  const diagram = page.getByRole('region', { name: 'Protocol diagram' });
  const count = diagram.getByTestId('diagram-count');
  await expect(count).toContainText('routine ones drawn as bands. Drag across the diagram to zoom in');
  const box = (await diagram.locator('svg.timeline').boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.5, box.y + 20);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.51, box.y + 20, { steps: 4 });
  await page.mouse.up();
  await expect(count).toHaveText(/^\d+ messages between [\d,]+ and [\d,]+ ms\.$/);
  expect(await diagram.locator('.diagram-arrow[data-kind="barrier"]').count()).toBeGreaterThan(0);

  await d.startRun({ preset: 'zombie-writer', exactlyOnce: false });
  await expect(d.statePill).toHaveText('finished');
  await diagram.getByText(/The diagram as a list/).click();
  await expect(diagram.getByRole('list', { name: 'Protocol messages' })).toContainText(
    /zombie writer, sink 0 · attempt 1 → segment store, .* wrote values \d+\.\.\d+ after the failover, as plain writes: the store made them visible/,
  );
});
