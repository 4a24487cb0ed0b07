import { describe, expect, it } from 'vitest';
import { presetScenario } from '../src/index';
import { consoleLines, ofKind, range, run } from './helpers';

function seed(mode: 'BEST_EFFORT' | 'ATLEAST_ONCE' | 'EXACTLY_ONCE') {
  const s = presetScenario('seed', mode);
  if (s === undefined) throw new Error('no seed preset');
  return run(s);
}

describe('the Pravega sample (seed preset, N=50)', () => {
  it('ATLEAST_ONCE: the restore from position 16 writes 17..24 again, and nothing is lost', () => {
    const { report } = seed('ATLEAST_ONCE');
    expect(report.verdict).toBe('DUPLICATES');
    expect(report.duplicates).toEqual(range(17, 24));
    expect(report.missing).toEqual([]);
    expect(report.restores).toEqual([{ checkpointId: 1, position: 16, atMs: expect.any(Number) }]);
    expect(report.finished).toBe(true);
  });

  it("ATLEAST_ONCE prints the sample's writer lines and checker block", () => {
    const { report, events } = seed('ATLEAST_ONCE');
    expect(consoleLines(events, 'writer').slice(0, 4)).toEqual([
      'Start checkpointing at position 16',
      'Complete checkpointing at position 16',
      'Artificial failure at position 26',
      'Restore from checkpoint at position 16',
    ]);
    // The checker prints as it reads: it started before the failure, each duplicate came after the restore.
    const log = report.log;
    expect(log.indexOf('============== Checker starts ===============')).toBeLessThan(
      log.indexOf('Artificial failure at position 26'),
    );
    expect(log.indexOf('Duplicate event: 17')).toBeGreaterThan(
      log.indexOf('Restore from checkpoint at position 16'),
    );
    expect(report.markerWindow.verdict).toBe('DUPLICATES');
    expect(report.markerWindow.lines).toEqual([
      '============== Checker starts ===============',
      ...range(17, 24).map((v) => `Duplicate event: ${v}`),
      'Found duplicates',
      '============== Checker ends  ===============',
    ]);
  });

  it('BEST_EFFORT behaves like ATLEAST_ONCE here: duplicates 17..24', () => {
    const { report } = seed('BEST_EFFORT');
    expect(report.duplicates).toEqual(range(17, 24));
    expect(report.missing).toEqual([]);
  });

  it('EXACTLY_ONCE: no duplicate found, nothing lost', () => {
    const { report } = seed('EXACTLY_ONCE');
    expect(report.verdict).toBe('EXACTLY_ONCE');
    expect(report.duplicates).toEqual([]);
    expect(report.missing).toEqual([]);
    expect(report.markerWindow.lines).toEqual([
      '============== Checker starts ===============',
      'No duplicate found. EXACTLY_ONCE!',
      '============== Checker ends  ===============',
    ]);
    expect(report.counts.read).toBe(50);
  });

  it('EXACTLY_ONCE: the failed epoch is aborted when the task closes and values arrive in two bursts', () => {
    const { report, events } = seed('EXACTLY_ONCE');
    const aborted = ofKind(events, 'txn-aborted');
    // Values 17..24 sat in the open transactions of the failed attempt.
    expect(aborted.map((e) => e.events).reduce((a, b) => a + b, 0)).toBe(8);
    expect(aborted.filter((e) => e.events > 0).every((e) => e.why === 'task-closed')).toBe(true);
    const bursts = new Set(
      ofKind(events, 'txn-committed')
        .filter((e) => e.events > 0)
        .map((e) => e.t),
    );
    expect(bursts.size).toBe(2);
    // The first burst is checkpoint 1's commit: values 1..16.
    const firstBurst = Math.min(...bursts);
    const firstValues = ofKind(events, 'txn-committed')
      .filter((e) => e.t === firstBurst)
      .reduce((n, e) => n + e.events, 0);
    expect(firstValues).toBe(16);
    expect(report.latencyMs.p99).toBeGreaterThan(report.latencyMs.p50);
  });

  it('did real work: every value was emitted, written and read', () => {
    const { report } = seed('EXACTLY_ONCE');
    expect(report.counts.emitted).toBeGreaterThanOrEqual(50);
    expect(report.counts.committed).toBe(50);
    expect(report.checkpoints.completed).toBeGreaterThanOrEqual(3);
    expect(report.transactions.committed).toBeGreaterThanOrEqual(4);
  });
});
