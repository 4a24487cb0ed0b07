import { type Report, Simulation } from '@eolab/engine';
import { figuresOf } from '@eolab/protocol';
import type { RunHistory } from './run-history';

/** Past this size a stored run is not re-run at startup (a few seconds each): its report keeps version 1's account. */
const RERUN_LIMIT_EVENTS = 2_000_000;

/**
 * Version 1 reports did not tell a failed job's lost values from those it never emitted. For a
 * simulated run the model can tell: the same scenario and fault timeline give the same run, so it
 * is run again and, when it reproduces the stored duplicates and missing values, its report
 * replaces the stored one. Returns how many runs were upgraded.
 */
export function upgradeOlderFailedRuns(store: RunHistory): number {
  let upgraded = 0;
  for (const id of store.failedRunsWithOlderReports()) {
    const stored = store.get(id);
    if (stored === null || stored.report === null || stored.scenario.numEvents > RERUN_LIMIT_EVENTS) continue;
    const report = new Simulation({ ...stored.scenario, faults: stored.faultTimeline }).runToEnd();
    if (!sameOutcome(report, stored.report)) continue;
    store.save(
      {
        ...stored,
        report,
        summary: { ...stored.summary, verdict: report.verdict, figures: figuresOf(report) },
      },
      null,
    );
    upgraded++;
  }
  return upgraded;
}

function sameOutcome(a: Report, b: Report): boolean {
  return (
    a.counts.duplicates === b.counts.duplicates &&
    a.counts.missing === b.counts.missing &&
    a.duplicates.join() === b.duplicates.join() &&
    a.missing.join() === b.missing.join()
  );
}
