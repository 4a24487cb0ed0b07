import type { SimEvent } from '../events';
import { invariant } from '../kernel/context';
import type { TracedTxnRef, ValueTracer } from '../kernel/value-tracer';
import { txnName } from '../model/names';
import { Via } from './causes';

/**
 * One value's life, as a replay with a tracer attached saw it: every emission, every write and
 * the transaction it went into, what became of that transaction, and every read. The run's own
 * events say what happened to each transaction; the tracer says which values were in it.
 */

/** How a reader came to see a value: a plain write acknowledged, a transaction committed, or an uncommitted read. */
export const READ_PATHS = ['plain', 'committed', 'uncommitted'] as const;
export type ReadPath = (typeof READ_PATHS)[number];

/** How a transaction ended: committed, aborted (and why), expired (its lease ran out). */
export interface TxnEnd {
  state: 'committed' | 'aborted' | 'expired';
  atMs: number;
  /** Why it was aborted (restore, task-closed, end-of-input, commit-rejected); null otherwise. */
  why: string | null;
}

export interface TracedTxn {
  txnId: number;
  /** The name every view uses (`cp5·s0`, `cp5·s0·a2`). */
  name: string;
  subtask: number;
  attempt: number;
  begunAtMs: number;
  /** When it was flushed (pre-committed) and under which checkpoint; null when it never was. */
  flushedAtMs: number | null;
  checkpointId: number | null;
  /** A commit call that failed (not-open, rejected, retries-exhausted), the last one. */
  commitFailed: { atMs: number; why: string } | null;
  /** Null while it is still open or pre-committed. */
  end: TxnEnd | null;
}

export interface ValueWrite {
  attempt: number;
  subtask: number;
  atMs: number;
  /** The transaction it went into; null for a plain write. */
  txnId: number | null;
}

export interface ValueRead {
  atMs: number;
  /** The attempt whose write was read. */
  attempt: number;
  path: ReadPath;
}

export interface ValueLife {
  value: number;
  emissions: { attempt: number; atMs: number }[];
  writes: ValueWrite[];
  reads: ValueRead[];
  /** The transactions its writes went into, in the order they began. */
  txns: TracedTxn[];
}

/** The most values one replay follows: a strip on screen, never the whole run. */
export const MAX_TRACED_VALUES = 200;
/** Records kept per value and kind: restarts are bounded, so only a pathological run reaches it. */
const MAX_RECORDS = 64;

const PATH_OF: Record<number, ReadPath> = {
  [Via.plain]: 'plain',
  [Via.committed]: 'committed',
  [Via.uncommitted]: 'uncommitted',
};

/**
 * The tracer a replay attaches (kernel/value-tracer.ts), and the listener that takes the run's
 * transaction events for the transactions the traced values went into.
 */
export class ValueTrace implements ValueTracer {
  private readonly lives: ValueLife[] = [];
  private readonly txns = new Map<number, TracedTxn>();

  constructor(
    readonly fromValue: number,
    readonly toValue: number,
  ) {
    invariant(fromValue >= 1 && toValue >= fromValue, 'a value range to trace');
    invariant(toValue - fromValue < MAX_TRACED_VALUES, 'at most MAX_TRACED_VALUES traced values');
    for (let v = fromValue; v <= toValue; v++)
      this.lives.push({ value: v, emissions: [], writes: [], reads: [], txns: [] });
  }

  private life(value: number): ValueLife {
    return this.lives[value - this.fromValue]!;
  }

  emitted(value: number, attempt: number, tMs: number): void {
    const list = this.life(value).emissions;
    if (list.length < MAX_RECORDS) list.push({ attempt, atMs: tMs });
  }

  written(value: number, attempt: number, subtask: number, ref: TracedTxnRef | null, tMs: number): void {
    const life = this.life(value);
    if (life.writes.length >= MAX_RECORDS) return;
    life.writes.push({ attempt, subtask, atMs: tMs, txnId: ref?.txnId ?? null });
    if (ref === null) return;
    let txn = this.txns.get(ref.txnId);
    if (txn === undefined) {
      txn = {
        txnId: ref.txnId,
        // Named as it is now; its later events (flush, end) name it again if its epoch moves on.
        name: txnName({ epoch: ref.epoch, subtask, attempt }),
        subtask,
        attempt,
        begunAtMs: ref.begunAtMs,
        flushedAtMs: null,
        checkpointId: null,
        commitFailed: null,
        end: null,
      };
      this.txns.set(ref.txnId, txn);
    }
    if (!life.txns.includes(txn)) life.txns.push(txn);
  }

  read(value: number, tMs: number, source: number): void {
    const list = this.life(value).reads;
    if (list.length < MAX_RECORDS)
      list.push({ atMs: tMs, attempt: source >> 2, path: PATH_OF[source & 3] ?? 'plain' });
  }

  /** Takes the run's events: what became of the transactions traced values went into. */
  readonly observe = (e: SimEvent): void => {
    if (!('txnId' in e) || e.txnId === null) return;
    const txn = this.txns.get(e.txnId);
    if (txn === undefined) return;
    if ('epoch' in e) txn.name = txnName(e);
    switch (e.kind) {
      case 'txn-flushed':
        txn.flushedAtMs = e.t;
        txn.checkpointId = e.checkpointId;
        return;
      case 'txn-committed':
        txn.end = { state: 'committed', atMs: e.t, why: null };
        return;
      case 'txn-aborted':
        txn.end = { state: 'aborted', atMs: e.t, why: e.why };
        return;
      case 'txn-expired':
        txn.end = { state: 'expired', atMs: e.t, why: null };
        return;
      case 'txn-commit-failed':
        txn.commitFailed = { atMs: e.t, why: e.why };
        return;
      default:
        return;
    }
  };

  /** The lives followed, in value order (copies: the trace goes on if the replay does). */
  result(): ValueLife[] {
    return this.lives.map((l) => ({
      ...l,
      emissions: [...l.emissions],
      writes: [...l.writes],
      reads: [...l.reads],
      txns: l.txns.map((t) => ({ ...t })),
    }));
  }
}
