import { describe, expect, it } from 'vitest';
import { asVersion1, presetScenario, type ReportV1, Simulation, upgradeReport } from '../src/index';
import { run, scenario } from './helpers';

/** The run as a person would stop it: advanced to `atMs`, then stopped. */
function stoppedAt(name: string, mode: 'ATLEAST_ONCE' | 'EXACTLY_ONCE', atMs: number) {
  const sim = new Simulation(presetScenario(name, mode)!);
  sim.advanceTo(atMs);
  sim.stop();
  return sim;
}

describe('how a run ended is part of its verdict', () => {
  it('a run stopped partway claims no guarantee: INCOMPLETE, missing values not judged', () => {
    const sim = stoppedAt('live-demo', 'EXACTLY_ONCE', 1_000);
    const report = sim.report();
    expect(report.ending).toBe('stopped');
    expect(report.finished).toBe(false);
    expect(report.verdict).toBe('INCOMPLETE');
    expect(report.counts.missing).toBe(0);
    expect(report.missing).toEqual([]);
    expect(report.causes.missing).toEqual([]);
    // The source had not reached the end of its 20,000 values.
    expect(report.counts.neverEmitted).toBeGreaterThan(10_000);
    expect(report.counts.neverEmitted).toBeLessThan(20_000);
    // A stopped model does not move again.
    sim.advanceTo(60_000);
    expect(sim.nowMs).toBe(report.durationMs);
  });

  it('duplicates seen before the stop are facts: DUPLICATES, not INCOMPLETE', () => {
    const report = stoppedAt('seed', 'ATLEAST_ONCE', 200).report();
    expect(report.ending).toBe('stopped');
    expect(report.verdict).toBe('DUPLICATES');
    expect(report.duplicates).toEqual([17, 18, 19, 20, 21, 22, 23, 24]);
  });

  it('a report taken while the run goes on says so', () => {
    const sim = new Simulation(presetScenario('seed', 'EXACTLY_ONCE')!);
    sim.advanceTo(50);
    expect(sim.report()).toMatchObject({ ending: 'running', verdict: 'INCOMPLETE' });
  });

  it('a job that failed for good: values it never emitted are apart from values it lost', () => {
    const { report } = run(
      scenario({
        mode: 'ATLEAST_ONCE',
        numEvents: 1_000,
        restart: { attempts: 0 },
        faults: [{ kind: 'mapper-exception', atElement: 600 }],
      }),
    );
    expect(report.ending).toBe('job-failed');
    // The source emitted 1..599 (element 600, counting the start marker, is value 599); every
    // plain write before it landed; the value the mapper threw on never reached a sink.
    expect(report.counts.neverEmitted).toBe(401);
    expect(report.counts.lost).toBe(1);
    expect(report.missing.slice(0, 2)).toEqual([599, 600]);
    expect(report.causes.missing.map((c) => [c.kind, c.count])).toEqual([
      ['job-failed', 1],
      ['never-emitted', 401],
    ]);
    expect(report.verdict).toBe('LOSS');
  });

  it('a finished run is judged whole, as before', () => {
    const { report } = run(presetScenario('seed', 'EXACTLY_ONCE')!);
    expect(report).toMatchObject({
      ending: 'finished',
      verdict: 'EXACTLY_ONCE',
      counts: { missing: 0, lost: 0, neverEmitted: 0 },
    });
  });
});

describe('reports stored by an older version', () => {
  it('a version-1 report of a stopped run is judged again on what it saw', () => {
    const { report } = run(presetScenario('seed', 'EXACTLY_ONCE')!);
    const v1: ReportV1 = { ...asVersion1(report), finished: false };
    const upgraded = upgradeReport(v1, true);
    expect(upgraded).toMatchObject({ version: 2, ending: 'stopped', verdict: 'INCOMPLETE', missing: [] });
  });

  it('a version-1 finished report reads as version 2 with the same figures', () => {
    const { report } = run(presetScenario('seed', 'ATLEAST_ONCE')!);
    expect(upgradeReport(asVersion1(report), false)).toEqual(report);
  });
});
