import type { ValueLifeResponse } from '@eolab/protocol';
import { describe, expect, it } from 'vitest';
import { causeLinks } from '../src/explain/cause-links';
import { lifeSteps, lifeSummary } from '../src/explain/value-life';

/** "Find a value" in words: the steps in time order, the summary, and the why links of a cause. */

const zombie: ValueLifeResponse = {
  runId: 'r1',
  life: {
    value: 600,
    emissions: [
      { attempt: 1, atMs: 683 },
      { attempt: 2, atMs: 782 },
    ],
    writes: [
      { attempt: 1, subtask: 0, atMs: 684, txnId: 9 },
      { attempt: 2, subtask: 1, atMs: 783, txnId: 16 },
    ],
    reads: [{ atMs: 809, attempt: 2, path: 'committed' }],
    txns: [
      {
        txnId: 9,
        name: 'cp5·s0',
        subtask: 0,
        attempt: 1,
        begunAtMs: 401,
        flushedAtMs: null,
        checkpointId: null,
        commitFailed: null,
        end: null,
      },
      {
        txnId: 16,
        name: 'cp7·s1·a2',
        subtask: 1,
        attempt: 2,
        begunAtMs: 701,
        flushedAtMs: 803,
        checkpointId: 7,
        commitFailed: null,
        end: { state: 'committed', atMs: 809, why: null },
      },
    ],
  },
  outcome: 'read-once',
  cause: null,
  isolation: 'read_committed',
  untilMs: 1_200,
  runEnded: true,
  note: null,
};

const cause = (kind: 'txn-expired' | 'zombie-writer') => ({
  kind,
  ranges: [[1, 2]] as [number, number][],
  count: 2,
  text: '1..2: why',
  failure: null,
  restore: null,
  txn: null,
  zombieAttempt: null,
  job: null,
});

describe("a value's life in words", () => {
  it('tells every step in time order, the zombie transaction left open at the end', () => {
    expect(lifeSteps(zombie).map((s) => [s.atMs, s.step])).toEqual([
      [683, 'emitted'],
      [684, 'written'],
      [782, 'emitted'],
      [783, 'written'],
      [803, 'pre-committed'],
      [809, 'committed'],
      [809, 'first read'],
      [1_200, 'left open'],
    ]);
    expect(lifeSteps(zombie)[1]!.detail).toBe('by sink subtask 0 of attempt 1, into transaction cp5·s0');
    expect(lifeSummary(zombie)).toBe('600 was read exactly once (emitted twice, written twice, read once).');
  });

  it("a cause's links name the failure and the restore with their times", () => {
    const failure = {
      attempt: 1,
      atMs: 112,
      reason: 'artificial-exception' as const,
      element: 26,
      detail: '',
    };
    const restore = { attempt: 2, checkpointId: 1, position: 16, atMs: 112 };
    const links = causeLinks({
      kind: 'replayed-after-restore',
      ranges: [[17, 24]],
      count: 8,
      text: '17..24: replayed',
      failure,
      restore,
      txn: null,
      zombieAttempt: null,
      job: null,
    });
    expect(links).toEqual([
      { atMs: 112, label: 'Failure: attempt 1 failed at 112 ms' },
      { atMs: 112, label: 'Restore: attempt 2 from checkpoint 1 at 112 ms' },
    ]);
    // A loss names the transaction that held the values and when it ended; a zombie, the failover it outlived.
    const txn = { txnId: 4, name: 'cp2·s1', subtask: 1, attempt: 1, checkpointId: 2, endedAtMs: 30_250 };
    const expired = causeLinks({ ...cause('txn-expired'), txn });
    expect(expired).toEqual([{ atMs: 30_250, label: 'Transaction cp2·s1 ended at 30,250 ms' }]);
    const zombie = causeLinks({
      ...cause('zombie-writer'),
      failure: { ...failure, reason: 'zombie' },
      zombieAttempt: 1,
    });
    expect(zombie[0]!.label).toBe(
      'Zombie: the job failed over from attempt 1, left running as a zombie, at 112 ms',
    );
  });
});
