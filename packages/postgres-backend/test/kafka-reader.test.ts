import { describe, expect, it } from 'vitest';
import { consume } from '../src/check/kafka-reader';

/** The read_committed consumer on logs written by hand: the last stable offset, without a server. */
type Row = Parameters<typeof consume>[0][number];
const record = (value: number, atMs: number, id: number | null, partition = 0): Row => ({
  partition,
  kind: 'record',
  value,
  subtask: 0,
  attempt: 1,
  id,
  epoch: id === null ? null : 0,
  emittedAtMs: atMs,
  writtenAtMs: atMs,
});
const marker = (kind: 'commit' | 'abort', id: number, atMs: number, partition = 0): Row => ({
  ...record(0, atMs, id, partition),
  kind,
});

describe('the read_committed consumer', () => {
  it("stops at an open transaction's first record: later committed records wait, and are released when it ends", () => {
    const { rows, holds } = consume([
      record(1, 10, 1),
      record(2, 20, 2),
      marker('commit', 2, 1_000),
      marker('abort', 1, 3_000),
    ]);
    // Value 1 was aborted: skipped. Value 2 committed at 1 s, read at 3 s, when the LSO passed it.
    expect(rows.map((r) => [r.value, r.visibleAtMs])).toEqual([[2, 3_000]]);
    expect(holds).toEqual([
      {
        partition: 0,
        values: 1,
        heldMs: 2_000,
        releasedAtMs: 3_000,
        holder: { id: 1, epoch: 0, ended: 'abort' },
      },
    ]);
  });

  it('never passes a transaction still open at the end of the log; other partitions go on', () => {
    const { rows, holds } = consume([
      record(1, 10, null),
      record(2, 20, 1),
      record(3, 30, null),
      record(4, 15, 2, 1),
      marker('commit', 2, 40, 1),
    ]);
    expect(rows.map((r) => r.value)).toEqual([1, 4]);
    expect(holds).toEqual([]);
  });

  it('delivers plain records as they come, in offset order', () => {
    const { rows } = consume([record(1, 10, null), record(2, 20, null)]);
    expect(rows.map((r) => [r.value, r.visibleAtMs, r.txn])).toEqual([
      [1, 10, null],
      [2, 20, null],
    ]);
  });
});
