import { describe, expect, it } from 'vitest';
import { type Fault, presetScenario, type ScenarioInput, WRITER_MODES, type WriterMode } from '../src/index';
import { ofKind, run, scenario } from './helpers';

/** 1,000 events; the throttle ends at position 20, so checkpoint 1 completes at ~100 ms. */
function base(mode: WriterMode, faults: Fault[], extra: Partial<ScenarioInput> = {}) {
  return scenario({ mode, numEvents: 1_000, source: { throttleUntilPosition: 20 }, faults, ...extra });
}

const modes = WRITER_MODES;

describe('mapper exception after a completed checkpoint', () => {
  const fault: Fault = { kind: 'mapper-exception', atMs: 450 };
  it.each(['BEST_EFFORT', 'ATLEAST_ONCE'] as const)(
    '%s replays what was already written: duplicates, no loss',
    (mode) => {
      const { report } = run(base(mode, [fault]));
      expect(report.counts.duplicates).toBeGreaterThan(0);
      expect(report.counts.missing).toBe(0);
      expect(report.restores).toHaveLength(1);
    },
  );
  it('EXACTLY_ONCE aborts the open transactions: no duplicates, no loss', () => {
    const { report } = run(base('EXACTLY_ONCE', [fault]));
    expect(report.verdict).toBe('EXACTLY_ONCE');
    expect(report.restores).toHaveLength(1);
  });
});

describe('crash after every sink pre-committed checkpoint K', () => {
  const fault: Fault = { kind: 'crash-after-precommit', checkpoint: 3 };
  it.each(['BEST_EFFORT', 'ATLEAST_ONCE'] as const)(
    '%s: duplicates (the restore goes back to K-1)',
    (mode) => {
      const { report, events } = run(base(mode, [fault]));
      expect(report.counts.duplicates).toBeGreaterThan(0);
      expect(report.restores[0]?.checkpointId).toBe(2);
      expect(ofKind(events, 'fault-fired').map((e) => e.checkpointId)).toEqual([3]);
    },
  );
  it('EXACTLY_ONCE: the pre-committed transactions of K are aborted on restore; no duplicates, no loss', () => {
    const { report, events } = run(base('EXACTLY_ONCE', [fault]));
    expect(report.verdict).toBe('EXACTLY_ONCE');
    const flushedForK = new Set(
      ofKind(events, 'txn-flushed')
        .filter((e) => e.checkpointId === 3)
        .map((e) => e.txnId),
    );
    const abortedOnRestore = ofKind(events, 'txn-aborted')
      .filter((e) => e.why === 'restore')
      .map((e) => e.txnId);
    expect(abortedOnRestore.filter((id) => flushedForK.has(id))).toHaveLength(flushedForK.size);
  });
});

describe.each([
  ['notify-lost', {}],
  ['checkpoint-abort', { checkpoint: { tolerableFailures: 1 } }],
] as const)('%s on checkpoint 3 in EXACTLY_ONCE (no failover)', (kind, extra) => {
  it("commits K's transactions with the next completed checkpoint: later, but exactly once", () => {
    const clean = run(base('EXACTLY_ONCE', []));
    const { report, events } = run(base('EXACTLY_ONCE', [{ kind, checkpoint: 3 }], extra));
    expect(report.restores).toEqual([]);
    expect(report.verdict).toBe('EXACTLY_ONCE');
    const txnsOfK = ofKind(events, 'txn-flushed')
      .filter((e) => e.checkpointId === 3)
      .map((e) => e.txnId);
    expect(txnsOfK.length).toBe(2);
    const nextCompleted = ofKind(events, 'checkpoint-completed').find((e) => e.checkpointId > 3);
    expect(nextCompleted).toBeDefined();
    for (const id of txnsOfK) {
      const committing = ofKind(events, 'txn-committing').find((e) => e.txnId === id);
      expect(committing?.t).toBeGreaterThanOrEqual(nextCompleted!.t);
    }
    // Visibility latency grows by at least one checkpoint interval for the delayed values.
    expect(report.latencyMs.max).toBeGreaterThanOrEqual(clean.report.latencyMs.max + 100);
  });
});

describe('crash before the notification of a completed checkpoint', () => {
  it('EXACTLY_ONCE: the restore commits the pending transactions (recovery commit); nothing lost or doubled', () => {
    const { report, events } = run(base('EXACTLY_ONCE', [{ kind: 'crash-before-notify', checkpoint: 3 }]));
    expect(report.verdict).toBe('EXACTLY_ONCE');
    expect(report.restores[0]?.checkpointId).toBe(3);
    expect(ofKind(events, 'txn-committing').filter((e) => e.recovery && e.checkpointId === 3)).toHaveLength(
      2,
    );
  });
  it('ATLEAST_ONCE: events written after the barrier are written again', () => {
    const { report } = run(
      base('ATLEAST_ONCE', [{ kind: 'crash-before-notify', checkpoint: 3 }], {
        checkpoint: { barrierTravelMs: 5 },
      }),
    );
    expect(report.counts.duplicates).toBeGreaterThan(0);
    expect(report.counts.missing).toBe(0);
  });
});

describe('crash between the commits of subtask 0 and subtask 1', () => {
  it('EXACTLY_ONCE: subtask 1 commits on recovery (subtask 0 re-commit is a no-op): no duplicates', () => {
    const { report, events } = run(base('EXACTLY_ONCE', [{ kind: 'crash-during-commit', checkpoint: 3 }]));
    expect(report.verdict).toBe('EXACTLY_ONCE');
    const normal = ofKind(events, 'txn-committing').filter((e) => e.checkpointId === 3 && !e.recovery);
    const recovered = ofKind(events, 'txn-committing').filter((e) => e.checkpointId === 3 && e.recovery);
    expect(normal.map((e) => e.subtask)).toEqual([0]);
    expect(recovered.map((e) => e.subtask)).toEqual([1]);
  });
});

describe("store outage beyond the writers' retry budget (111 s)", () => {
  const outage: Fault = { kind: 'store-outage', atMs: 400, durationMs: 120_000 };
  const restarts = { restart: { attempts: 5, delayMs: 100 } };
  it('ATLEAST_ONCE: the writes fail, the task fails over, the flushed checkpoint keeps every value: no loss', () => {
    const { report, events } = run(base('ATLEAST_ONCE', [outage], restarts));
    expect(ofKind(events, 'write-failed').length).toBeGreaterThan(0);
    expect(ofKind(events, 'task-failed').length).toBeGreaterThan(0);
    expect(report.counts.missing).toBe(0);
    expect(report.finished).toBe(true);
  });
  it('EXACTLY_ONCE: the flush fails, the epoch is aborted and replayed: no duplicates, no loss', () => {
    const { report, events } = run(base('EXACTLY_ONCE', [outage], restarts));
    expect(ofKind(events, 'task-failed').some((e) => e.reason === 'flush-failed')).toBe(true);
    expect(report.verdict).toBe('EXACTLY_ONCE');
  });
  it('BEST_EFFORT: checkpoints do not wait for the writes, so the restore skips the failed ones: loss', () => {
    const { report } = run(base('BEST_EFFORT', [outage], restarts));
    expect(report.counts.missing).toBeGreaterThan(0);
    expect(report.finished).toBe(true);
  });
});

describe('controller outage', () => {
  it('BEST_EFFORT and ATLEAST_ONCE do not use transactions: unaffected', () => {
    for (const mode of ['BEST_EFFORT', 'ATLEAST_ONCE'] as const) {
      const { report } = run(base(mode, [{ kind: 'controller-outage', atMs: 400, durationMs: 200_000 }]));
      expect(report.verdict).toBe('EXACTLY_ONCE');
    }
  });
});

describe('job pause', () => {
  it('EXACTLY_ONCE with a pause shorter than the lease: nothing lost, visibility waits', () => {
    const { report } = run(base('EXACTLY_ONCE', [{ kind: 'job-pause', atMs: 400, durationMs: 20_000 }]));
    expect(report.verdict).toBe('EXACTLY_ONCE');
    expect(report.transactions.expired).toBe(0);
    expect(report.latencyMs.max).toBeGreaterThanOrEqual(20_000);
  });
  it('restart slower than the lease (lease-expiry preset): pending transactions expire, exactly-once loses data', () => {
    const s = presetScenario('lease-expiry', 'EXACTLY_ONCE')!;
    const { report, events } = run(s);
    expect(report.verdict).toBe('LOSS');
    const lost = ofKind(events, 'txn-expired').reduce((n, e) => n + e.events, 0);
    expect(report.counts.missing).toBe(lost);
  });
});

describe('zombie writer', () => {
  const zombie: Fault = { kind: 'zombie-writer', atMs: 500, durationMs: 200 };
  it('ATLEAST_ONCE: the old attempt keeps writing beside the new one: duplicates', () => {
    const { report, events } = run(base('ATLEAST_ONCE', [zombie]));
    expect(report.counts.duplicates).toBeGreaterThan(0);
    expect(ofKind(events, 'zombie-stopped')).toHaveLength(1);
  });
  it("EXACTLY_ONCE: the zombie's transactions never commit: no duplicates", () => {
    const { report } = run(base('EXACTLY_ONCE', [zombie]));
    expect(report.verdict).toBe('EXACTLY_ONCE');
  });
});

describe('checker isolation', () => {
  it('read_uncommitted shows the aborted epoch: EXACTLY_ONCE writes appear twice', () => {
    const s = presetScenario('seed', 'EXACTLY_ONCE')!;
    const { report } = run({ ...s, checker: { isolation: 'read_uncommitted' } });
    expect(report.duplicates).toEqual([17, 18, 19, 20, 21, 22, 23, 24]);
  });
});

describe('restart strategy', () => {
  it('a second failure with one restart attempt fails the job, and the unread values are missing', () => {
    const { report, events } = run(
      base('EXACTLY_ONCE', [
        { kind: 'mapper-exception', atMs: 300 },
        { kind: 'mapper-exception', atMs: 600 },
      ]),
    );
    expect(report.finished).toBe(false);
    expect(ofKind(events, 'job-failed')).toHaveLength(1);
    expect(report.verdict).toBe('LOSS');
  });
  it.each(modes)('%s: no faults, nothing lost or doubled', (mode) => {
    expect(run(base(mode, [])).report.verdict).toBe('EXACTLY_ONCE');
  });
});
