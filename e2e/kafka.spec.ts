import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import { Dashboard, EXACTLY_ONCE, FOUND_DUPLICATES } from './dashboard';

/**
 * The dashboard speaking Kafka (issue 21): the seed run on Kafka from the sidebar, with Kafka's
 * words in the inspector and the diagram, and kafka-lso-stall compared on Pravega and on Kafka on
 * one fault timeline: Pravega loses sink 0's values to its lease, Kafka keeps them but holds its
 * readers 30 s at the last stable offset, drawn where it happened.
 */

async function expectNoViolations(page: Page, where: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  expect(
    violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
    `axe-core on ${where}`,
  ).toEqual([]);
}

test('the seed on Kafka: duplicates 17..24 at-least-once, none exactly-once, in Kafka’s words', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.open();
  await d.setUp({ preset: 'seed', exactlyOnce: false, speed: 'max' });
  await d.chooseSystem('kafka');
  // Kafka's knobs replace Pravega's lease, with their real defaults.
  await page.locator('details.knobs summary').click();
  await expect(page.getByLabel('Transaction timeout (ms)', { exact: true })).toHaveValue('900000');
  await expect(page.getByLabel('Broker max timeout (ms)', { exact: true })).toHaveValue('900000');
  await expect(page.getByLabel('Producer pool size', { exact: true })).toHaveValue('5');
  await expect(page.getByLabel('Transaction lease (ms)', { exact: true })).toHaveCount(0);
  await expectNoViolations(page, 'the sidebar on Kafka');

  await d.start.click();
  await expect(d.verdict).toHaveText(FOUND_DUPLICATES);
  await expect(d.duplicateValues).toHaveText('17..24');
  expect((await d.storedRun()).report).toMatchObject({ system: 'kafka', counts: { duplicates: 8 } });
  // Listed apart from the seed's own runs on Pravega.
  expect((await d.storedRun()).run.name).toBe('seed · on Kafka');

  await d.runSeedAgain(true);
  const stored = await d.storedRun();
  expect(stored.report).toMatchObject({ system: 'kafka', verdict: 'EXACTLY_ONCE' });
  // The inspector names Kafka's producers; the diagram, Kafka's coordinator and broker.
  const header = d.transactionRows().first();
  await expect(header).toContainText('transactional id');
  await expect(header).toContainText('timeout left');
  await expect(d.transactionRows().filter({ hasText: 'Sink: writer-0' }).first()).toBeVisible();
  const lanes = page.locator('.lane-label');
  await expect(lanes.filter({ hasText: 'transaction coordinator' })).toHaveCount(1);
  await expect(lanes.filter({ hasText: 'broker (partition 0)' })).toHaveCount(1);
  await expect(lanes.filter({ hasText: 'partition 0 · subtask 1' })).toHaveCount(1);
  await expectNoViolations(page, 'a Kafka run');
  await page.getByRole('button', { name: /Switch to (light|dark) theme/ }).click();
  await expectNoViolations(page, 'a Kafka run in the other theme');

  // The share link carries the system: a colleague's page runs it on Kafka too.
  await page.getByRole('button', { name: 'Share scenario link' }).click();
  const fresh = new Dashboard(await page.context().newPage());
  await fresh.page.goto(await page.getByLabel('Share link').inputValue());
  await expect(fresh.page).toHaveURL(/\?run=/);
  await expect(fresh.verdict).toHaveText(EXACTLY_ONCE);
  expect((await fresh.storedRun()).scenario.system).toBe('kafka');
  await expect(fresh.page.getByRole('combobox', { name: 'System' })).toHaveValue('kafka');
  expect([...d.consoleErrors, ...fresh.consoleErrors]).toEqual([]);
});

test('kafka-lso-stall on Pravega vs Kafka, one fault timeline: Pravega loses 50, Kafka holds its readers 30 s', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.startRun({ preset: 'kafka-lso-stall', exactlyOnce: true, speed: 'max' });
  await expect(d.verdict).toHaveText(EXACTLY_ONCE);
  // The stall, drawn on the transaction timeline and the charts, and said in words.
  const held = 'partition 0: read_committed readers held at the last stable offset 309–30,355 ms (30,046 ms)';
  await expect(page.getByRole('list', { name: 'Readers held at the last stable offset' })).toContainText(
    held,
  );
  await expect(page.locator('.lso-band text', { hasText: 'p0 held 30,046 ms' }).first()).toBeVisible();

  await d.runOnOtherSystemToo('Pravega');
  await expect(page).toHaveURL(/\/compare\?runs=/);
  await expect(
    page.getByRole('heading', { name: 'Pravega vs Kafka: same scenario, same fault timeline' }),
  ).toBeVisible();
  await expect(d.comparisonTable().getByRole('columnheader')).toHaveText(['Run', /^Pravega/, /^Kafka/]);
  await expect(d.comparisonRow('Verdict')).toHaveText(['LOSS', 'EXACTLY_ONCE']);
  await expect(d.comparisonRow('Missing')).toHaveText([/^50 \(/, '0']);
  const compared = page.getByRole('region', { name: /Pravega vs Kafka/ });
  await expect(compared.getByRole('list', { name: 'Readers held at the last stable offset' })).toContainText(
    `Kafka: ${held}`,
  );
  await expect(
    compared.getByText(/^on Pravega: LOSS, .*; on Kafka: EXACTLY_ONCE, .*29,696 ms\.$/),
  ).toBeVisible();

  // One fault timeline: the same faults on both systems.
  const [onPravega, onKafka] = await Promise.all(d.comparedRunIds().map((id) => d.storedRun(id)));
  expect(onPravega!.faultTimeline).toEqual(onKafka!.faultTimeline);
  expect([onPravega!.scenario.system, onKafka!.scenario.system]).toEqual(['pravega', 'kafka']);
  expect(onPravega!.report.verdict).toBe('LOSS');
  await expectNoViolations(page, 'Pravega vs Kafka');

  // The comparison's address opens the same view in a fresh page.
  const fresh = new Dashboard(await page.context().newPage());
  await fresh.open(page.url());
  await expect(fresh.comparisonTable().getByRole('columnheader')).toHaveText(['Run', /^Pravega/, /^Kafka/]);
  expect(d.consoleErrors).toEqual([]);
});
