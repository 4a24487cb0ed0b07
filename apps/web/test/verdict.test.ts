import { FOUND_DUPLICATES, NO_DUPLICATE, presetScenario, Simulation } from '@eolab/engine';
import { describe, expect, it } from 'vitest';
import { disagreement, verdictText, verdictTone } from '../src/explain/verdict';
import { summarizeValues } from '../src/panels/CheckerPanel';
import { runPreset } from './sim';

describe('the verdict line', () => {
  it("reads the sample's words for the seed in both modes", () => {
    expect(verdictText(runPreset('seed', 'EXACTLY_ONCE').report, 0, false)).toBe(NO_DUPLICATE);
    expect(verdictText(runPreset('seed', 'ATLEAST_ONCE').report, 8, false)).toBe(FOUND_DUPLICATES);
  });

  it('names loss, which the sample cannot see', () => {
    const { report } = runPreset('seed', 'ATLEAST_ONCE');
    const lossy = { ...report, counts: { ...report.counts, missing: 3, lost: 3 } };
    expect(verdictText(lossy, 8, false)).toBe('Found duplicates · 3 values lost');
    const onlyLoss = { ...lossy, counts: { ...lossy.counts, duplicates: 0 } };
    expect(verdictText(onlyLoss, 0, false)).toBe('No duplicate found, but 3 values lost');
  });

  it('says what it knows while the run streams', () => {
    expect(verdictText(null, 0, true)).toBe('Checking… no duplicate so far');
    expect(verdictText(null, 2, true)).toBe('Found duplicates (so far)');
  });

  it('a run stopped partway is not crowned EXACTLY_ONCE: it says how far it got, in amber', () => {
    const sim = new Simulation(presetScenario('live-demo', 'EXACTLY_ONCE')!);
    sim.advanceTo(1_000);
    sim.stop();
    const report = sim.report();
    const text = verdictText(report, 0, false);
    expect(text).toMatch(/^No duplicate so far · Stopped after [\d,]+ of 20,000 values: not judged$/);
    expect(text).not.toContain(NO_DUPLICATE);
    expect(verdictTone(report, text)).toBe('incomplete');
    expect(disagreement(report)).toContain('judged only the');
  });

  it('a job that failed for good tells lost values apart from values never emitted', () => {
    const { report } = runPreset('live-demo', 'EXACTLY_ONCE', {
      restart: { attempts: 0, delayMs: 0, heartbeatIntervalMs: 10_000, heartbeatTimeoutMs: 50_000 },
    });
    expect(report.ending).toBe('job-failed');
    const { lost, neverEmitted } = report.counts;
    expect(verdictText(report, 0, false)).toBe(
      `No duplicate found, but ${lost.toLocaleString('en')} values lost · ${neverEmitted.toLocaleString('en')} values never emitted`,
    );
    expect(disagreement(report)).toContain('the checker would still be waiting');
  });

  it('summarizes runs of values', () => {
    expect(summarizeValues([17, 18, 19, 20, 21, 22, 23, 24])).toBe('17..24');
    expect(summarizeValues([1, 3, 4, 9])).toBe('1, 3..4, 9');
  });
});
