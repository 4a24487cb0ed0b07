import { describe, expect, it } from 'vitest';
import {
  type Report,
  type RunSummary,
  type Scenario,
  Simulation,
  SWEEP_RUN_OPTIONS,
  scheduleOf,
  WRITER_MODES,
} from '../src';

/** The part of a full report a sweep judges by. */
function projection(report: Report): RunSummary {
  return {
    verdict: report.verdict,
    finished: report.finished,
    restores: report.restores,
    checkpoints: report.checkpoints,
    counts: {
      duplicates: report.counts.duplicates,
      missing: report.counts.missing,
      lost: report.counts.lost,
      neverEmitted: report.counts.neverEmitted,
    },
    causes: { unexplained: report.causes.unexplained },
  };
}

function sweepSchedules(count: number): Scenario[] {
  const out: Scenario[] = [];
  for (let index = 0; index < count; index++) {
    const drawn = scheduleOf({ schedules: count, seed: 1 }, index, WRITER_MODES[0]);
    for (const mode of WRITER_MODES) out.push({ ...drawn, mode });
  }
  return out;
}

describe("a sweep's run summary", () => {
  it('says what the full report says (latencies aside), for 200 sweep schedules in every mode', () => {
    const differ: string[] = [];
    for (const scenario of sweepSchedules(200)) {
      const summary = new Simulation(scenario, SWEEP_RUN_OPTIONS).runToEndSummary();
      const report = new Simulation(scenario).runToEnd();
      if (JSON.stringify(summary) !== JSON.stringify(projection(report)))
        differ.push(`${scenario.name} ${scenario.mode}`);
    }
    expect(differ).toEqual([]);
  });
});
