import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import { Dashboard, FOUND_DUPLICATES } from './dashboard';

/** Controls that do what they say, comparisons that show the difference, a first open that teaches. */

const runIdInHeader = (page: Page) => page.locator('.run-status .run-id');
const stateOf = async (d: Dashboard, runId: string): Promise<string> => (await d.storedRun(runId)).run.state;

test('the first open says what the sample shows; its buttons run the seed off, and compare the three modes with the difference in numbers on its own scale', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.open();
  const guide = page.getByRole('region', { name: 'What this lab shows' });
  await expect(guide).toContainText('its mapper throws once at element 26');
  // Each preset states what it gives in each mode, where it is picked.
  const outcomes = page.getByRole('list', { name: 'What seed gives in each mode' });
  await expect(outcomes.getByRole('listitem')).toHaveText([
    /^BEST_EFFORT duplicates: /,
    /^ATLEAST_ONCE duplicates: Values 17..24 twice/,
    /^EXACTLY_ONCE exactly once: /,
  ]);

  await guide.getByRole('button', { name: 'Run the sample with exactly-once off' }).click();
  await expect(d.verdict).toHaveText(FOUND_DUPLICATES);
  await expect(d.exactlyOnce).not.toBeChecked();
  await expect(guide).toHaveCount(0);

  await d.open();
  await page.getByRole('button', { name: 'Compare the three modes side by side' }).click();
  const numbers = page.getByRole('list', { name: 'The difference in numbers' });
  await expect(numbers.getByRole('listitem')).toHaveText([
    'BEST_EFFORT: 8 duplicates (values 17..24), 0 missing',
    'ATLEAST_ONCE: 8 duplicates (values 17..24), 0 missing',
    'EXACTLY_ONCE: 0 duplicates, 0 missing',
  ]);
  // Duplicates on their own scale: its axis tops out at the 8 duplicates, not at the 50 visible values.
  const yAxisTop = (chart: string) =>
    page
      .getByRole('figure', { name: `${chart} chart` })
      .locator('.recharts-cartesian-axis-tick-value')
      .evaluateAll((ticks) =>
        Math.max(
          ...ticks
            .map((t) => t.textContent ?? '')
            .filter((t) => !t.endsWith('ms'))
            .map((t) => Number(t.replaceAll(',', ''))),
        ),
      );
  await expect.poll(() => yAxisTop('Duplicates (own scale)')).toBe(8);
  await expect.poll(() => yAxisTop('Values made visible')).toBeGreaterThanOrEqual(50);
  // One colour per run, the legend naming mode, backend and run.
  const legend = page.getByRole('list', { name: 'Compared runs' }).getByRole('listitem');
  await expect(legend).toHaveText([
    /^BEST_EFFORT · model · run \S+$/,
    /^ATLEAST_ONCE · model · run/,
    /^EXACTLY_ONCE · model · run/,
  ]);
  const colours = await legend
    .locator('line')
    .evaluateAll((lines) => lines.map((l) => getComputedStyle(l).stroke));
  expect(new Set(colours).size).toBe(3);
  expect(d.consoleErrors).toEqual([]);
});

test('Start while a run is live asks; keeping it lists it to switch back to, stopping it stops it', async ({
  page,
}) => {
  const d = new Dashboard(page);
  const pause = async () => {
    await d.pause();
    await expect(d.statePill).toHaveText('paused');
  };
  await d.startRun({ preset: 'live-demo', speed: '1x' });
  await expect(d.statePill).toHaveText('running');
  // Paused runs cannot end by themselves while the test moves between them, however busy the machine.
  await pause();
  const first = (await runIdInHeader(page).textContent())!.replace('run ', '');

  // Escape cancels: nothing new starts.
  await d.start.click();
  const dialog = page.getByRole('dialog', { name: 'A run is still paused' });
  await expect(dialog).toContainText(first);
  const { violations } = await new AxeBuilder({ page }).include('dialog').analyze();
  expect(violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(runIdInHeader(page)).toHaveText(`run ${first}`);

  // Watch both: the first stays on the server, listed under "Other live runs", one click away.
  await d.start.click();
  await dialog.getByRole('button', { name: 'Keep it and start' }).click();
  await expect(runIdInHeader(page)).not.toHaveText(`run ${first}`);
  await expect(d.statePill).toHaveText('running');
  await pause();
  const second = (await runIdInHeader(page).textContent())!.replace('run ', '');
  const others = page.getByRole('region', { name: 'Other live runs' });
  await expect(others).toContainText(first);
  expect(await stateOf(d, first)).toBe('paused');
  await others.getByRole('button', { name: `Watch run ${first}` }).click();
  await expect(runIdInHeader(page)).toHaveText(`run ${first}`);
  await expect(others).toContainText(second);

  // Stop it and start: the run on screen is stopped before the new one starts.
  await d.start.click();
  await dialog.getByRole('button', { name: 'Stop it and start' }).click();
  await expect(runIdInHeader(page)).not.toHaveText(`run ${first}`);
  await expect.poll(() => stateOf(d, first)).toBe('stopped');
  await expect(others).not.toContainText(first);
  const third = (await runIdInHeader(page).textContent())!.replace('run ', '');

  // Leave nothing live: stop the third on screen, then the second from the list.
  await d.stop();
  await expect(d.statePill).toHaveText('stopped');
  await others.getByRole('button', { name: `Watch run ${second}` }).click();
  await expect(runIdInHeader(page)).toHaveText(`run ${second}`);
  await d.stop();
  await expect(others).toHaveCount(0);
  await expect
    .poll(async () => [await stateOf(d, second), await stateOf(d, third)])
    .toEqual(['stopped', 'stopped']);
  expect(d.consoleErrors).toEqual([]);
});

test("a preset's own failure: where it fires follows Events, and after a restore from a checkpoint the page says it will not fire", async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.open();
  await d.choosePreset('live-demo');
  const planned = page.getByTestId('planned-failure');
  await expect(planned).toHaveText(/^The mapper throws at element 8,000 \(the value 7,999\)/);
  await d.setKnob('Events', 1_000);
  await expect(planned).toContainText(
    "Events is 1,000, not the preset's 20,000: its failure at element 8,000 moves to N/2 + 1 = 501",
  );
  // The preset's stated outcomes hold for its own knobs: the sidebar says so when they differ.
  const differ = page.getByText("These are the preset's outcomes with its own knobs; yours differ");
  await expect(differ).toBeVisible();
  await d.setKnob('Events', 20_000);
  await expect(differ).toHaveCount(0);
  // Far enough (element 100,001) that the click below always comes first, on however busy a machine.
  await d.setKnob('Events', 200_000);
  await expect(planned).toContainText('moves to N/2 + 1 = 100,001');
  await d.setSpeed('1x');
  await d.start.click();
  await expect(
    page.getByText("The scenario's own failure fires at element 100,001 (the value 100,000)."),
  ).toBeVisible();
  await expect(d.sentences.filter({ hasText: /Checkpoint 2 completed/ })).toBeVisible();
  await d.injectFailure.click();
  await expect(page.getByRole('note').filter({ hasText: 'will not fire' })).toHaveText(
    /^The scenario's own failure at element 100,001 will not fire: the sample's mapper never fails in an attempt restored from a checkpoint, and attempt 2 was restored from checkpoint \d+/,
  );
  await d.stop();
});

test('restarts left: plain on a run that finished after using them all or was stopped, red on a job that failed for good, amber on a live run with none left; the header and the switch name their runs', async ({
  page,
}) => {
  const d = new Dashboard(page);
  await d.runSeedToVerdict(false);
  const budget = page.getByTestId('restart-budget');
  await expect(budget).toHaveText('restarts left 0 of 1');
  await expect(budget).not.toHaveClass(/failed/);
  await expect(budget).not.toHaveCSS('color', 'rgb(185, 28, 28)');

  // The switch sets the next run's mode; the header keeps the one on screen, and the sidebar says so.
  await d.setExactlyOnce(true);
  await expect(d.runStatus).toContainText('run in ATLEAST_ONCE');
  await expect(page.getByRole('note').filter({ hasText: 'Start runs' })).toHaveText(
    'Start runs EXACTLY_ONCE; the run on screen (in the header) ran ATLEAST_ONCE.',
  );

  await d.setUp({ exactlyOnce: false, knobs: { 'Restart attempts': 0 }, speed: 'max' });
  await d.start.click();
  await expect(page.getByText(/The job failed at/)).toBeVisible();
  await expect(budget).toHaveText(/^restarts left 0 of 0/);
  await expect(budget).toHaveCSS('color', 'rgb(185, 28, 28)');

  // None left on a live run is a warning (amber: the next failure ends it); stopped by hand, nothing.
  await d.setUp({ preset: 'live-demo', knobs: { 'Restart attempts': 0 }, speed: '1x' });
  await d.start.click();
  await expect(d.statePill).toHaveText('running');
  await expect(budget).toHaveText('restarts left 0 of 0: the next failure fails the job for good');
  await expect(budget).toHaveCSS('color', 'rgb(146, 64, 14)');
  await d.stop();
  await expect(d.statePill).toHaveText('stopped');
  await expect(budget).toHaveText('restarts left 0 of 0');
  await expect(budget).not.toHaveCSS('color', 'rgb(185, 28, 28)');
});

test('a refused Simulated vs real ends the waiting and says why', async ({ page }) => {
  const d = new Dashboard(page);
  await d.startRun({ preset: 'zombie-writer', speed: 'max' });
  await expect(d.verdict).toHaveText(FOUND_DUPLICATES);
  await page.getByRole('button', { name: 'Simulated vs real' }).click();
  const compare = page.getByRole('region', { name: /Simulated vs real/ });
  await expect(compare.getByRole('alert')).toHaveText(/^The run on the other backend was refused: .+/);
  await expect(compare.getByRole('row', { name: /^Verdict/ }).getByRole('cell')).toHaveText(['DUPLICATES']);
  await expect(compare.getByText('running…')).toHaveCount(0);
  await expect(compare.getByText('Waiting for both reports…')).toHaveCount(0);
});
