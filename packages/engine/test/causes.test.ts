import { describe, expect, it } from 'vitest';
import {
  CONSOLE_LINE_FRAGMENTS,
  PRESETS,
  presetScenario,
  randomScenario,
  type Scenario,
  txnName,
  WRITER_MODES,
  type WriterMode,
} from '../src/index';
import { ofKind, run, scenario } from './helpers';

/** The report says why each duplicate and missing value happened, from the engine's own facts. */

function preset(id: string, mode: WriterMode) {
  const s = presetScenario(id, mode);
  if (s === undefined) throw new Error(`no preset ${id}`);
  return run(s);
}

describe('causes in the report', () => {
  it('the seed in ATLEAST_ONCE: 17..24 were replayed after the failure at element 26 and the restore from checkpoint 1', () => {
    const { report } = preset('seed', 'ATLEAST_ONCE');
    expect(report.causes.duplicates).toHaveLength(1);
    const cause = report.causes.duplicates[0]!;
    expect(cause).toMatchObject({
      kind: 'replayed-after-restore',
      ranges: [[17, 24]],
      count: 8,
      failure: { attempt: 1, reason: 'artificial-exception', element: 26 },
      restore: { attempt: 2, checkpointId: 1, position: 16 },
    });
    expect(cause.text).toContain('Artificial failure at position 26');
    expect(report.causes.unexplained).toEqual({ duplicates: 0, missing: 0 });
  });

  it('the seed in EXACTLY_ONCE has nothing to explain', () => {
    const { report } = preset('seed', 'EXACTLY_ONCE');
    expect(report.causes).toEqual({
      duplicates: [],
      missing: [],
      unexplained: { duplicates: 0, missing: 0 },
    });
  });

  it('a job whose restarts ran out: its missing values are blamed on the failed job, not on the transactions it aborted', () => {
    const { report } = run(
      scenario({
        mode: 'EXACTLY_ONCE',
        numEvents: 1_000,
        source: { throttleUntilPosition: 20 },
        faults: [
          { kind: 'mapper-exception', atMs: 300 },
          { kind: 'mapper-exception', atMs: 600 },
        ],
      }),
    );
    expect(report.finished).toBe(false);
    expect(report.ending).toBe('job-failed');
    expect(report.causes.missing.map((c) => c.kind)).toEqual(['job-failed', 'never-emitted']);
    const [lost, neverEmitted] = report.causes.missing;
    // Emitted after the last checkpoint, in transactions the failover aborted: lost.
    expect(lost!.count).toBe(report.counts.lost);
    expect(lost!.job).toMatchObject({ reason: 'restart attempts exhausted' });
    expect(lost!.text).toContain('emitted, but never made visible');
    // The tail the source never reached: an incomplete output, apart from the loss.
    expect(neverEmitted!.count).toBe(report.counts.neverEmitted);
    expect(neverEmitted!.ranges).toEqual([[1_000 - report.counts.neverEmitted + 1, 1_000]]);
    expect(neverEmitted!.text).toContain('never emitted');
    expect(report.counts.lost + report.counts.neverEmitted).toBe(report.counts.missing);
    expect(report.verdict).toBe('LOSS');
  });

  it('lease expiry names each expired transaction and the values it held', () => {
    const { report, events } = preset('lease-expiry', 'EXACTLY_ONCE');
    const expired = ofKind(events, 'txn-expired');
    expect(report.causes.missing.map((c) => c.txn?.name).sort()).toEqual(
      expired.map((e) => txnName(e)).sort(),
    );
    expect(report.causes.missing.map((c) => c.kind)).toEqual([
      'txn-expired-silently',
      'txn-expired-silently',
    ]);
    expect(report.causes.missing[0]!.text).toMatch(
      /^118\.\.216 \(every 2nd, 50 values\): held in transaction cp3·s0/,
    );
  });

  it.each([
    ['commit-rejected', 'commit-rejected'],
    ['end-of-input', 'end-of-input'],
    ['source-does-not-wait', 'left-uncommitted'],
    ['pause-beyond-lease', 'txn-expired-silently'],
  ] as const)('the %s preset loses its values to a %s cause, all of them explained', (id, kind) => {
    const { report } = preset(id, 'EXACTLY_ONCE');
    expect(report.counts.missing).toBeGreaterThan(0);
    expect(new Set(report.causes.missing.map((c) => c.kind))).toEqual(new Set([kind]));
    expect(report.causes.missing.reduce((n, c) => n + c.count, 0)).toBe(report.counts.missing);
  });

  it('a zombie writer: the duplicates name the zombie attempt', () => {
    const { report } = preset('zombie-writer', 'ATLEAST_ONCE');
    expect(report.causes.duplicates.map((c) => [c.kind, c.zombieAttempt])).toEqual([['zombie-writer', 1]]);
    expect(report.causes.duplicates[0]!.count).toBe(report.counts.duplicates);
  });

  it('a zombie that writes values after the new attempt: the failover it outlived, and where the new attempt restored from', () => {
    const { report, events } = run(
      scenario({
        version: 1,
        name: 'zombie-writes-second',
        seed: 83,
        mode: 'BEST_EFFORT',
        numEvents: 188,
        sink: { parallelism: 3 },
        faults: [{ kind: 'zombie-writer', atMs: 101, durationMs: 955 }],
      }),
    );
    const restored = ofKind(events, 'job-restored')[0]!;
    expect(restored.checkpointId).toBe(1);
    const [cause] = report.causes.duplicates;
    expect(cause).toMatchObject({
      kind: 'zombie-writer',
      zombieAttempt: 1,
      failure: { attempt: 1, atMs: 101, reason: 'zombie' },
      restore: { attempt: 2, checkpointId: 1 },
    });
    // Before, it said "failed over at ? ms" and "restored from the beginning": the zombie's own facts.
    expect(cause!.text).toBe(
      `${restored.position + 1}..188: written twice: attempt 1 kept writing after the job failed over at 101 ms, beside attempt 2 restored from checkpoint 1 at position ${restored.position}`,
    );
  });
});

describe('one name for a transaction', () => {
  it('is its checkpoint and subtask, with the attempt after the first', () => {
    expect(txnName({ epoch: 5, subtask: 0, attempt: 1 })).toBe('cp5·s0');
    expect(txnName({ epoch: 5, subtask: 1, attempt: 2 })).toBe('cp5·s1·a2');
  });

  it('a transaction keeps its name from begin to commit', () => {
    const { events } = preset('seed', 'EXACTLY_ONCE');
    const names = new Map<number, Set<string>>();
    for (const e of events) {
      if (!('txnId' in e) || e.kind === 'call-retried') continue;
      const set = names.get(e.txnId) ?? new Set<string>();
      set.add(txnName(e));
      names.set(e.txnId, set);
    }
    for (const set of names.values()) expect(set.size).toBe(1);
  });
});

describe('console lines', () => {
  it('every line the engine prints contains one of CONSOLE_LINE_FRAGMENTS (the list views are tested against)', () => {
    const unmatched = new Set<string>();
    const check = (s: Scenario) => {
      for (const e of ofKind(run(s).events, 'console')) {
        if (!CONSOLE_LINE_FRAGMENTS.some((f) => e.line.includes(f))) unmatched.add(e.line);
      }
    };
    for (const p of PRESETS)
      for (const mode of WRITER_MODES) if (p.id !== 'live-demo') check(presetScenario(p.id, mode)!);
    for (let seed = 1; seed <= 150; seed++)
      for (const mode of WRITER_MODES) check(randomScenario(seed, mode));
    expect([...unmatched]).toEqual([]);
  });
});
