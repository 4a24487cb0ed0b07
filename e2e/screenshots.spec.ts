import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { Dashboard } from './dashboard';

/** Screenshots for the README, taken from real runs. */
const dir = join(import.meta.dirname, '../docs/screenshots');

test('screenshots: during a run and after each verdict', async ({ page }) => {
  const d = new Dashboard(page);
  await d.open();
  // During a run: the live demo in real time, just after its failure, still streaming.
  await d.choosePreset('live-demo');
  await d.setExactlyOnce(false);
  await d.setSpeed('1x');
  await d.start.click();
  await expect(page.getByRole('button', { name: /The mapper throws at element/ })).toBeVisible();
  await expect(d.verdict).toContainText('Found duplicates');
  await expect(d.duplicatesReadout).toContainText(/[1-9][\d,]* duplicates/);
  await expect(page.locator('.run-status .pill')).toHaveText('running');
  await page.screenshot({ path: join(dir, 'dashboard-running.png'), fullPage: true });
  await d.setSpeed('max');
  await expect(d.verdict).toHaveText('Found duplicates');

  // The sample with exactly-once off, its failure picked in the narration.
  await d.choosePreset('seed');
  await d.setSpeed('10x');
  await d.start.click();
  await expect(d.verdict).toHaveText('Found duplicates');
  await expect(page.getByTestId('duplicate-values')).toHaveText('17..24');
  await page.getByRole('button', { name: /The mapper throws at element 26/ }).click();
  await d.chartsSettled();
  await page.screenshot({ path: join(dir, 'verdict-duplicates.png'), fullPage: true });

  await d.choosePreset('seed');
  await d.setExactlyOnce(true);
  await d.setSpeed('10x');
  await d.start.click();
  await expect(d.verdict).toHaveText('No duplicate found. EXACTLY_ONCE!');
  await page
    .getByText(/Transactions? cp1·s\d and cp1·s\d committed/)
    .first()
    .click();
  await d.chartsSettled();
  await page.screenshot({ path: join(dir, 'verdict-exactly-once.png'), fullPage: true });

  await page.getByRole('button', { name: 'Compare modes' }).click();
  await expect(page.getByRole('table').filter({ hasText: 'Visibility latency' })).not.toContainText(
    'running…',
  );
  await page.screenshot({ path: join(dir, 'compare-modes.png'), fullPage: true });

  await page.getByRole('link', { name: 'Runs' }).click();
  await expect(page.getByRole('table').getByRole('row').nth(3)).toBeVisible();
  await page.screenshot({ path: join(dir, 'history.png'), fullPage: true });
  await page.getByRole('link', { name: 'Dashboard' }).click();
  await expect(d.verdict).toHaveText('No duplicate found. EXACTLY_ONCE!');

  await page.getByRole('button', { name: /Switch to (dark|light) theme/ }).click();
  await d.chartsSettled();
  await page.screenshot({ path: join(dir, 'verdict-exactly-once-other-theme.png'), fullPage: true });
});

test('screenshots: the protocol diagram of the seed, zoomed to checkpoint 1 and the failure', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.runSeedToVerdict(true);
  const timeWindow = page.getByRole('group', { name: 'Time window' });
  await timeWindow.getByLabel('To (ms)').fill('116');
  await page.keyboard.press('Enter');
  await timeWindow.getByLabel('From (ms)').fill('98');
  await page.keyboard.press('Enter');
  const diagram = page.getByRole('region', { name: 'Protocol diagram' });
  await expect(diagram.getByTestId('diagram-count')).toHaveText(/messages between 98 and 116 ms/);
  await page.getByRole('button', { name: /The mapper throws at element 26/ }).click();
  await diagram.screenshot({ path: join(dir, 'protocol-diagram.png') });
});

for (const { width, height, name } of [
  { width: 1024, height: 768, name: 'laptop-1024x768' },
  { width: 390, height: 844, name: 'phone-390x844' },
]) {
  test(`screenshots: the first screen at ${width}x${height}, a zoomed run, and the Runs page`, async ({
    page,
  }) => {
    await page.setViewportSize({ width, height });
    const d = new Dashboard(page);
    await d.runSeed(false);
    await expect(d.verdict).toHaveText('Found duplicates');
    await d.chartsSettled();
    // What a person sees first, without scrolling.
    await page.screenshot({ path: join(dir, `${name}-dashboard.png`) });

    // The window around the failure and the restore, typed into the time window's fields.
    const timeWindow = page.getByRole('group', { name: 'Time window' });
    await timeWindow.getByLabel('From (ms)').fill('80');
    await timeWindow.getByLabel('To (ms)').fill('220');
    await timeWindow.getByLabel('To (ms)').press('Enter');
    await expect(timeWindow).toContainText('Zoomed to 80–220 ms');
    await d.chartsSettled();
    await page.getByRole('heading', { name: 'Events over virtual time' }).scrollIntoViewIfNeeded();
    await timeWindow.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: join(dir, `${name}-zoomed.png`) });

    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await expect(page.getByRole('table', { name: 'Stored runs' }).getByRole('row').nth(1)).toBeVisible();
    await page.screenshot({ path: join(dir, `${name}-runs.png`) });
  });
}

/**
 * The narration of the runs where a fault touches a checkpoint: each such checkpoint told on its
 * own (its transactions and values), never summed up with the quiet ones. Each run is created over
 * the API (a preset, or the notify-lost preset's job with another checkpoint fault), opened by its
 * address, and its key sentence picked, so the shot shows it among its neighbours.
 */
for (const { name, preset, fault, key } of [
  {
    name: 'source-does-not-wait',
    preset: 'source-does-not-wait',
    fault: null,
    key: /Checkpoint 11 completed at position/,
  },
  {
    name: 'notify-lost',
    preset: 'notify-lost',
    fault: null,
    key: /Checkpoint 3's transactions .* committed at last/,
  },
  {
    name: 'crash-before-notify',
    preset: 'notify-lost',
    fault: { kind: 'crash-before-notify', checkpoint: 3 },
    key: /Checkpoint 3's transactions .* committed on recovery/,
  },
  {
    name: 'crash-during-commit',
    preset: 'notify-lost',
    fault: { kind: 'crash-during-commit', checkpoint: 5 },
    key: /Fault: checkpoint 5: sink 0 sent its commit/,
  },
]) {
  test(`screenshots: the narration of ${name}`, async ({ page }) => {
    const presets = (await (await page.request.get('/api/presets')).json()).presets as {
      id: string;
      scenario: Record<string, unknown>;
    }[];
    const base = presets.find((p) => p.id === preset)!.scenario;
    const scenario = { ...base, name, mode: 'EXACTLY_ONCE', faults: fault === null ? base.faults : [fault] };
    const created = await page.request.post('/api/runs', { data: { scenario, speed: 'max' } });
    expect(created.status()).toBe(201);
    const { runId } = await created.json();
    const d = new Dashboard(page);
    await d.open(`/?run=${runId}`);
    await expect(page.locator('.run-status .pill')).toHaveText(/finished|failed/);
    const narration = page.getByRole('region', { name: 'What happened' });
    const sentence = narration.getByRole('button', { name: key });
    await sentence.click();
    await sentence.evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await expect(sentence).toHaveAttribute('aria-pressed', 'true');
    await narration.screenshot({ path: join(dir, `narration-${name}.png`) });
  });
}

test('screenshots: the Sweep page, a cell listed and a schedule shrunk', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('/sweeps');
  await page.getByRole('button', { name: 'Start sweep' }).click();
  await expect(page.getByTestId('sweep-state')).toHaveText('done', { timeout: 150_000 });
  await page.getByRole('button', { name: /^ATLEAST_ONCE, Duplicates: \d+ runs$/ }).click();
  await page
    .getByRole('button', { name: /^Shrink schedule \d+ in ATLEAST_ONCE$/ })
    .first()
    .click();
  await expect(page.getByRole('status', { name: /^Shrinking schedule \d+$/ })).toBeVisible();
  await page.screenshot({ path: join(dir, 'sweep.png'), fullPage: true });
});

test('screenshots: the Sweeps page on PostgreSQL', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('/sweeps');
  await page.getByLabel('Backend').selectOption('postgres');
  await page.getByRole('spinbutton', { name: 'Schedules' }).fill('8');
  await page.getByRole('button', { name: 'Start sweep' }).click();
  await expect(page.getByTestId('sweep-state')).toHaveText('done', { timeout: 150_000 });
  await page.screenshot({ path: join(dir, 'sweep-postgres.png'), fullPage: true });
});

test('screenshots: the fault-timeline editor', async ({ page }) => {
  const d = new Dashboard(page);
  await d.open();
  await d.choosePreset('lease-expiry');
  await page.getByText('Fault timeline').click();
  await page.getByLabel('Fault kind').selectOption('store-outage');
  await page.getByRole('button', { name: 'Add fault' }).click();
  await page.getByLabel('Fault kind').selectOption('mapper-exception');
  await page.getByRole('button', { name: 'Add fault' }).click();
  await expect(page.getByRole('list', { name: 'What the placements do' })).toBeVisible();
  await page.locator('.timeline-editor').screenshot({ path: join(dir, 'timeline-editor.png') });
});

test('screenshots: a value’s life and the why links', async ({ page }) => {
  const d = new Dashboard(page);
  await d.runSeedToVerdict(false);
  const why = page.getByRole('list', { name: 'Why the duplicates' });
  await why.getByRole('button', { name: /^Failure: attempt 1 failed at / }).click();
  await d.chartsSettled();
  await page.locator('.checker').screenshot({ path: join(dir, 'why-links.png') });
  await why.getByRole('button', { name: 'Follow 17' }).click();
  const search = page.getByRole('region', { name: "Each value's life" });
  await expect(search.getByRole('table', { name: 'Life of 17' })).toBeVisible();
  await expect(search.getByRole('list', { name: /^Values 5 to 29 at / })).toBeVisible();
  await search.screenshot({ path: join(dir, 'find-a-value.png') });
});

test('screenshots: the checkpoint tab, checkpoint 1 by task', async ({ page }) => {
  const d = new Dashboard(page);
  await d.runSeedToVerdict(true);
  const panel = page.getByRole('region', { name: 'Checkpoint history', exact: true });
  await expect(panel.getByRole('region', { name: 'Checkpoint counts' })).toBeVisible();
  await panel.getByText('Configuration').click();
  await panel
    .getByRole('table', { name: 'Checkpoint history' })
    .getByRole('button', { name: '1', exact: true })
    .click();
  await expect(page.getByRole('table', { name: 'Checkpoint 1, each task' }).getByRole('row')).toHaveCount(4);
  await panel.screenshot({ path: join(dir, 'checkpoint-tab.png') });
});

test('screenshots: Kafka, readers held at the last stable offset, and Pravega vs Kafka', async ({ page }) => {
  const d = new Dashboard(page);
  await d.startRun({ preset: 'kafka-lso-stall', exactlyOnce: true, speed: 'max' });
  await expect(d.verdict).toHaveText('No duplicate found. EXACTLY_ONCE!');
  await page.getByRole('button', { name: /waited 30,046 ms behind transaction cp3·s0/ }).click();
  await d.chartsSettled();
  await page.screenshot({ path: join(dir, 'kafka-lso-stall.png'), fullPage: true });
  await page
    .getByRole('region', { name: 'Transactions per partition' })
    .screenshot({ path: join(dir, 'kafka-transactions.png') });
  await page
    .getByRole('region', { name: 'Transactions', exact: true })
    .screenshot({ path: join(dir, 'kafka-inspector.png') });
  const timeWindow = page.getByRole('group', { name: 'Time window' });
  // The restore 30 s later: recoverAndCommit of the held transaction, the readers let through.
  await timeWindow.getByLabel('To (ms)').fill('30362');
  await page.keyboard.press('Enter');
  await timeWindow.getByLabel('From (ms)').fill('30348');
  await page.keyboard.press('Enter');
  const diagram = page.getByRole('region', { name: 'Protocol diagram' });
  await expect(diagram.getByTestId('diagram-count')).toHaveText(/messages between 30,348 and 30,362 ms/);
  await diagram.screenshot({ path: join(dir, 'kafka-protocol-diagram.png') });

  await page.getByRole('button', { name: 'Run this on Pravega too' }).click();
  await expect(page.getByRole('table').filter({ hasText: 'Visibility latency' })).not.toContainText(
    'running…',
  );
  await page
    .getByRole('region', { name: /Pravega vs Kafka/ })
    .screenshot({ path: join(dir, 'compare-pravega-kafka.png') });
});
