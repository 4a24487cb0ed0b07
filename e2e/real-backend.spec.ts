import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { Dashboard, FOUND_DUPLICATES } from './dashboard';

/**
 * Checkpoints 1 s apart instead of the seed's 100 ms: the same outcome in the model, and a loaded
 * machine cannot slip checkpoint 2 in before the failure at element 26 (a real job whose
 * notification of checkpoint 1 came 90 ms late did).
 */
const ROOMY_CHECKPOINTS = { 'Checkpoint interval (ms)': 1_000 };

/**
 * The backend choice: the sample's job run for real (the server's own PostgreSQL, a real task
 * process, its two-phase commit or plain inserts), streamed on the same charts as the model.
 */
test('PostgreSQL, real processes: the seed with exactly-once off finds duplicates 17..24 for real', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.open();
  await d.setUp({ preset: 'seed', exactlyOnce: false, knobs: ROOMY_CHECKPOINTS });
  await d.chooseBackend('PostgreSQL, real processes');
  // A real run goes in real time: the speed choice is off, and says why.
  const speed = page.getByRole('group', { name: 'Speed' });
  for (const s of ['1x', '10x', '100x', 'max'])
    await expect(speed.getByRole('radio', { name: s })).toBeDisabled();
  await expect(speed).toHaveAttribute('title', /real time: speed and pause do not apply/);
  await d.start.click();
  // The badge names the backend and PostgreSQL's version as soon as the run is on screen.
  await expect(page.getByTestId('backend-badge')).toHaveText(/^real · PostgreSQL \d+(\.\d+)*$/);
  await expect(d.verdict).toHaveText(FOUND_DUPLICATES);
  await expect(d.duplicateValues).toHaveText('17..24');
  const console = page.getByLabel('Checker output');
  for (let v = 17; v <= 24; v++) await expect(console).toContainText(`Duplicate event: ${v}`);
  // The real job's checkpoints on the checkpoint chart: the first one pinned at position 16 by the throttle.
  const checkpoints = page.getByRole('img', { name: /^\d+ checkpoints$/ });
  await expect(
    checkpoints.locator('rect title', { hasText: /^checkpoint 1: position 16, .* completed$/ }),
  ).toHaveCount(1);
  await expect(d.sentences.filter({ hasText: /Restored from checkpoint 1 at position 16/ })).toBeVisible();
  // The protocol diagram, drawn from the real job's events: the failure and the restore from checkpoint 1.
  const diagram = page.getByRole('region', { name: 'Protocol diagram' });
  await diagram.getByText(/The diagram as a list/).click();
  const messages = diagram.getByRole('list', { name: 'Protocol messages' });
  await expect(messages).toContainText('barrier of checkpoint 1, source · attempt 1 → sink 0 · attempt 1');
  await expect(messages).toContainText(/task failed, source · attempt 1 → checkpoint coordinator/);
  await expect(messages).toContainText(
    'restore from checkpoint 1, checkpoint coordinator → sink 1 · attempt 2',
  );
  // The same panels as a model run, from the real job's events and committed rows.
  const counts = page.getByRole('region', { name: 'Checkpoint counts' });
  await expect(counts.getByRole('listitem').filter({ hasText: /restored$/ })).toHaveText('1 restored');
  await d.duplicateValues.getByRole('button', { name: 'Follow 17' }).click();
  const life = page.getByRole('table', { name: 'Life of 17' });
  await expect(life.locator('tr[data-step="emitted"]')).toHaveCount(2);
  await expect(life.locator('tr[data-step="second read"]')).toContainText("attempt 2's write");
  await expect(page.getByText(/only the rows PostgreSQL committed/)).toBeVisible();

  // Simulated vs real: the same scenario in the model, held against this run as `eolab verify` does.
  await page.getByRole('button', { name: 'Simulated vs real' }).click();
  await expect(page.getByRole('heading', { name: /^Simulated vs real/ })).toBeVisible();
  const table = d.comparisonTable();
  await expect(table.getByRole('columnheader')).toHaveText(['Run', /^Simulated/, /^PostgreSQL/]);
  await expect(d.comparisonRow('Duplicates')).toHaveText(['8 (17..24)', '8 (17..24)']);
  await expect(page.getByRole('status', { name: 'Model against reality' })).toContainText(
    'The model and the real run agree value for value',
  );
  const { violations } = await new AxeBuilder({ page }).analyze();
  // The Runs page names the backend of each run: the real one, not the model's replay of it.
  await expect(page).toHaveURL(/\/compare\?runs=[\w-]+,[\w-]+$/);
  const [modelId, realId] = d.comparedRunIds();
  const runs = await d.goToRuns();
  await expect(runs.row(realId!)).toContainText('PostgreSQL');
  await expect(runs.row(modelId!)).not.toContainText('PostgreSQL');
  expect(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  expect(d.consoleErrors).toEqual([]);
});

test('PostgreSQL, real processes, on Kafka: the seed with exactly-once off finds 17..24 for real, and the model agrees', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.open();
  await d.setUp({ preset: 'seed', exactlyOnce: false, knobs: ROOMY_CHECKPOINTS });
  await d.chooseSystem('kafka');
  await d.setUp({ knobs: ROOMY_CHECKPOINTS });
  await d.chooseBackend('PostgreSQL, real processes');
  // The backend's help says what stands for Kafka on PostgreSQL.
  await expect(page.getByRole('group', { name: 'Backend' })).toContainText(
    'a partition log with commit and abort markers',
  );
  await d.start.click();
  await expect(page.getByTestId('backend-badge')).toHaveText(/^real · PostgreSQL \d+(\.\d+)*$/);
  await expect(d.verdict).toHaveText(FOUND_DUPLICATES);
  await expect(d.duplicateValues).toHaveText('17..24');
  await expect(d.sentences.filter({ hasText: /Restored from checkpoint 1 at position 16/ })).toBeVisible();

  // Simulated vs real on Kafka: the model's Kafka run of the same scenario, held against this one.
  await page.getByRole('button', { name: 'Simulated vs real' }).click();
  await expect(page.getByRole('heading', { name: /^Simulated vs real/ })).toBeVisible();
  await expect(d.comparisonRow('Duplicates')).toHaveText(['8 (17..24)', '8 (17..24)']);
  await expect(page.getByRole('status', { name: 'Model against reality' })).toContainText(
    'The model and the real run agree value for value',
  );
  expect(d.consoleErrors).toEqual([]);
});
