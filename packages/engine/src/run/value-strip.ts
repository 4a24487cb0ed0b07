import type { TracedTxn, ValueLife, ValueWrite } from './value-trace';

/**
 * A strip of values at one moment: each value's state, and how many copies of it a read_committed
 * and a read_uncommitted reader would see then. Worked out from traced lives (value-trace.ts).
 */

/** A copy's state at a moment, from least to most visible (the strip shows a value's most visible copy). */
export const VALUE_STATES = [
  'not-written',
  'aborted',
  'expired',
  'written',
  'open',
  'pre-committed',
  'committed',
] as const;
export type ValueState = (typeof VALUE_STATES)[number];

export interface StripCell {
  value: number;
  state: ValueState;
  /** Copies of it a reader would have seen by then: read_committed (Pravega's), read_uncommitted (Kafka's default). */
  readCommitted: number;
  readUncommitted: number;
}

export interface StripOptions {
  /** The run's reader isolation: its own reads say when each write became visible to such a reader. */
  isolation: 'read_committed' | 'read_uncommitted';
  /** The store's write latency: when the other kind of reader would have seen a transactional write. */
  writeLatencyMs: number;
}

/** The strip at `atMs`, one cell per traced value. */
export function stripAt(lives: readonly ValueLife[], atMs: number, options: StripOptions): StripCell[] {
  return lives.map((life) => cellAt(life, atMs, options));
}

function cellAt(life: ValueLife, atMs: number, options: StripOptions): StripCell {
  let state: ValueState = 'not-written';
  let readCommitted = 0;
  let readUncommitted = 0;
  const plainReads = life.reads.filter((r) => r.path === 'plain' && r.atMs <= atMs);
  for (const write of life.writes) {
    if (write.atMs > atMs) continue;
    const txn = write.txnId === null ? null : (life.txns.find((t) => t.txnId === write.txnId) ?? null);
    const copy = copyAt(write, txn, life, atMs, options, plainReads);
    if (VALUE_STATES.indexOf(copy.state) > VALUE_STATES.indexOf(state)) state = copy.state;
    if (copy.committedSees) readCommitted++;
    if (copy.uncommittedSees) readUncommitted++;
  }
  return { value: life.value, state, readCommitted, readUncommitted };
}

interface Copy {
  state: ValueState;
  committedSees: boolean;
  uncommittedSees: boolean;
}

function copyAt(
  write: ValueWrite,
  txn: TracedTxn | null,
  life: ValueLife,
  atMs: number,
  options: StripOptions,
  plainReads: readonly { attempt: number }[],
): Copy {
  if (txn === null) {
    // A plain write is visible to every reader once the store acknowledged it: the checker's read says when.
    const seen = plainReads.some((r) => r.attempt === write.attempt);
    return { state: seen ? 'committed' : 'written', committedSees: seen, uncommittedSees: seen };
  }
  const uncommittedSees =
    options.isolation === 'read_uncommitted'
      ? life.reads.some((r) => r.path === 'uncommitted' && r.attempt === write.attempt && r.atMs <= atMs)
      : write.atMs + options.writeLatencyMs <= atMs;
  const end = txn.end !== null && txn.end.atMs <= atMs ? txn.end : null;
  if (end !== null) return { state: end.state, committedSees: end.state === 'committed', uncommittedSees };
  const flushed = txn.flushedAtMs !== null && txn.flushedAtMs <= atMs;
  return { state: flushed ? 'pre-committed' : 'open', committedSees: false, uncommittedSees };
}
