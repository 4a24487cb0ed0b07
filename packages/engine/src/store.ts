import type { Checker } from './checker';
import { END_MARKER, invariant, type SimContext, START_MARKER } from './context';
import type { TxnRef, TxnState } from './events';
import { TripleQueue } from './ring';

/**
 * A Pravega-like stream store with one segment (the sample routes every event with the key
 * "fixedkey"). Plain writes become visible when the store acknowledges them; transactional writes
 * become visible when the transaction commits. Each transaction has a lease that its writer renews
 * while it is alive, not frozen, and the controller is reachable; an OPEN transaction whose lease
 * runs out is aborted by the store. Readers (the checker) see what becomes visible, in order.
 */

/** Tags of in-flight queue entries. */
const WRITE_FAILED = 0;
const PLAIN_WRITE = 1;
const UNCOMMITTED_TXN_WRITE = 2;

export class Transaction implements TxnRef {
  state: TxnState = 'OPEN';
  readonly values: number[] = [];
  /** Set when a write into it was rejected; the next flush fails. */
  writeFailed = false;
  /** The checkpoint it was pre-committed under, once flushed. */
  checkpointId: number | null = null;
  /** Virtual time the lease runs out, or Infinity while the lease is being renewed. */
  leaseDeadlineMs = Number.POSITIVE_INFINITY;
  /** True once its writer stopped tracking it (a failed commit call is never retried). */
  dropped = false;

  constructor(
    readonly txnId: number,
    readonly subtask: number,
    readonly attempt: number,
    readonly begunAtMs: number,
  ) {}

  ref(): TxnRef {
    return { txnId: this.txnId, subtask: this.subtask, attempt: this.attempt };
  }

  dataEvents(): number {
    let n = 0;
    for (const v of this.values) if (v > 0) n++;
    return n;
  }
}

/** Tells the store whether an attempt's writer is alive and able to renew leases. */
export type RenewerCheck = (attempt: number) => boolean;

export interface StoreCounters {
  txnBegun: number;
  txnCommitted: number;
  txnAborted: number;
  txnExpired: number;
  txnCommitFailed: number;
}

export class StreamStore {
  private storeOutages = 0;
  private controllerOutages = 0;
  private nextTxnId = 1;
  private readonly open = new Set<Transaction>();
  /** In-flight plain writes (and uncommitted reads), one FIFO per job attempt. */
  private readonly inflight = new Map<number, TripleQueue>();
  readonly counters: StoreCounters = {
    txnBegun: 0,
    txnCommitted: 0,
    txnAborted: 0,
    txnExpired: 0,
    txnCommitFailed: 0,
  };

  constructor(
    private readonly ctx: SimContext,
    private readonly checker: Checker,
    private readonly isRenewer: RenewerCheck,
  ) {}

  get storeUp(): boolean {
    return this.storeOutages === 0;
  }

  get controllerUp(): boolean {
    return this.controllerOutages === 0;
  }

  get openTransactions(): number {
    return this.open.size;
  }

  setStoreOutage(active: boolean): void {
    this.storeOutages += active ? 1 : -1;
    invariant(this.storeOutages >= 0, 'store outage count below zero');
  }

  setControllerOutage(active: boolean, tMs: number): void {
    this.controllerOutages += active ? 1 : -1;
    invariant(this.controllerOutages >= 0, 'controller outage count below zero');
    this.refreshLeases(tMs);
  }

  // ---- plain writes ----

  /**
   * Sends one plain write. Returns the virtual time its acknowledgement (or error) comes back,
   * negated when the write fails, so the hot path allocates nothing.
   */
  plainWrite(attempt: number, value: number, tMs: number): number {
    const ackAt = tMs + this.ctx.scenario.sink.writeLatencyMs;
    const ok = this.storeOutages === 0;
    this.queueFor(attempt).push(value, ackAt, ok ? PLAIN_WRITE : WRITE_FAILED);
    if (value > 0) this.ctx.metrics.add('written', tMs, 1);
    return ok ? ackAt : -ackAt;
  }

  /** Makes every acknowledged plain write up to tMs visible, in acknowledgement order. */
  deliverUntil(tMs: number): void {
    for (;;) {
      let best: TripleQueue | undefined;
      let bestTime = Number.POSITIVE_INFINITY;
      let second = Number.POSITIVE_INFINITY;
      for (const queue of this.inflight.values()) {
        const head = queue.headTime();
        if (head < bestTime) {
          second = bestTime;
          bestTime = head;
          best = queue;
        } else if (head < second) second = head;
      }
      if (best === undefined || bestTime > tMs) return;
      const limit = Math.min(tMs, second);
      while (best.headTime() <= limit) {
        const at = best.headTime();
        const value = best.headValue();
        const tag = best.headTag();
        best.shift();
        if (tag === WRITE_FAILED) continue;
        if (tag === PLAIN_WRITE && value > 0) this.ctx.metrics.add('committed', at, 1);
        this.checker.read(value, at);
      }
    }
  }

  /** Last acknowledgement time of an attempt's in-flight writes, or -Infinity. */
  lastAckAt(attempt: number): number {
    return this.inflight.get(attempt)?.tailTime() ?? Number.NEGATIVE_INFINITY;
  }

  /** Drops empty queues of attempts that will write no more. */
  retireAttempt(attempt: number): void {
    const queue = this.inflight.get(attempt);
    if (queue !== undefined && queue.length === 0) this.inflight.delete(attempt);
  }

  private queueFor(attempt: number): TripleQueue {
    let queue = this.inflight.get(attempt);
    if (queue === undefined) {
      queue = new TripleQueue(256);
      this.inflight.set(attempt, queue);
    }
    return queue;
  }

  // ---- transactions ----

  /** Begins a transaction, or returns null when the controller is unreachable. */
  beginTxn(subtask: number, attempt: number, tMs: number): Transaction | null {
    if (!this.controllerUp) return null;
    const txn = new Transaction(this.nextTxnId++, subtask, attempt, tMs);
    this.open.add(txn);
    this.counters.txnBegun++;
    this.ctx.emit({ t: tMs, kind: 'txn-begun', ...txn.ref() });
    this.refreshLease(txn, tMs);
    this.ctx.metrics.setOpenTxns(tMs, this.open.size);
    return txn;
  }

  /** Writes one event into a transaction; a rejected write poisons the transaction's flush. */
  txnWrite(txn: Transaction, value: number, tMs: number): void {
    if (txn.state !== 'OPEN' || this.storeOutages > 0) {
      txn.writeFailed = true;
      return;
    }
    txn.values.push(value);
    if (value > 0) this.ctx.metrics.add('written', tMs, 1);
    if (this.ctx.scenario.checker.isolation === 'read_uncommitted') {
      // A read_uncommitted reader sees the write as soon as the store has it, whatever the
      // transaction's fate (Kafka's default isolation; Pravega has no such mode).
      this.queueFor(txn.attempt).push(
        value,
        tMs + this.ctx.scenario.sink.writeLatencyMs,
        UNCOMMITTED_TXN_WRITE,
      );
    }
  }

  /** Whether a flush started earlier succeeds now: every write accepted and the store reachable. */
  flushSucceeds(txn: Transaction): boolean {
    return !txn.writeFailed && this.storeOutages === 0 && txn.state === 'OPEN';
  }

  /**
   * The connector's commit call. A call that fails is logged and dropped, never retried; a
   * transaction that is not OPEN is only logged (a recovery commit of a committed one is a no-op).
   */
  commitTxn(txn: Transaction, checkpointId: number, tMs: number, recovery: boolean): void {
    if (recovery && (txn.state === 'COMMITTED' || txn.state === 'COMMITTING')) return;
    if (txn.state !== 'OPEN') {
      this.counters.txnCommitFailed++;
      this.ctx.emit({
        t: tMs,
        kind: 'txn-commit-failed',
        ...txn.ref(),
        checkpointId,
        why: 'not-open',
        state: txn.state,
      });
      this.ctx.console('writer', `Transaction ${txn.txnId} is ${txn.state}, not OPEN: cannot commit it`, tMs);
      return;
    }
    if (!this.controllerUp) {
      this.counters.txnCommitFailed++;
      txn.dropped = true;
      this.ctx.emit({
        t: tMs,
        kind: 'txn-commit-failed',
        ...txn.ref(),
        checkpointId,
        why: 'controller-unreachable',
        state: txn.state,
      });
      this.ctx.console('writer', `Failed to commit transaction ${txn.txnId}: controller unreachable`, tMs);
      this.refreshLease(txn, tMs);
      return;
    }
    txn.state = 'COMMITTING';
    this.ctx.emit({ t: tMs, kind: 'txn-committing', ...txn.ref(), checkpointId, recovery });
    this.ctx.scheduler.schedule(tMs + this.ctx.scenario.sink.commitLatencyMs, () =>
      this.completeCommit(txn, tMs + this.ctx.scenario.sink.commitLatencyMs),
    );
  }

  private completeCommit(txn: Transaction, tMs: number): void {
    invariant(txn.state === 'COMMITTING', `txn ${txn.txnId} completes a commit from ${txn.state}`);
    txn.state = 'COMMITTED';
    this.open.delete(txn);
    this.counters.txnCommitted++;
    const values = txn.values;
    const data = txn.dataEvents();
    if (data > 0) this.ctx.metrics.add('committed', tMs, data);
    if (this.ctx.scenario.checker.isolation === 'read_committed') {
      for (let i = 0; i < values.length; i++) this.checker.read(values[i]!, tMs);
    }
    this.ctx.emit({
      t: tMs,
      kind: 'txn-committed',
      ...txn.ref(),
      events: data,
      firstValue: firstData(values),
      lastValue: lastData(values),
    });
    this.ctx.metrics.setOpenTxns(tMs, this.open.size);
  }

  /** Aborts an OPEN transaction; needs the controller, else the transaction stays OPEN until its lease runs out. */
  abortTxn(txn: Transaction, tMs: number, why: 'restore' | 'task-closed'): void {
    if (txn.state !== 'OPEN') return;
    if (!this.controllerUp) {
      this.ctx.console('writer', `Failed to abort transaction ${txn.txnId}: controller unreachable`, tMs);
      txn.dropped = true;
      this.refreshLease(txn, tMs);
      return;
    }
    txn.state = 'ABORTED';
    this.open.delete(txn);
    this.counters.txnAborted++;
    this.ctx.emit({ t: tMs, kind: 'txn-aborted', ...txn.ref(), events: txn.dataEvents(), why });
    this.ctx.metrics.setOpenTxns(tMs, this.open.size);
  }

  // ---- leases ----

  /** Re-evaluates every open transaction's lease after a change in who can renew. */
  refreshLeases(tMs: number): void {
    for (const txn of this.open) this.refreshLease(txn, tMs);
  }

  private refreshLease(txn: Transaction, tMs: number): void {
    if (txn.state !== 'OPEN') return;
    const renewing = !txn.dropped && this.controllerUp && this.isRenewer(txn.attempt);
    if (renewing) {
      txn.leaseDeadlineMs = Number.POSITIVE_INFINITY;
      return;
    }
    if (txn.leaseDeadlineMs !== Number.POSITIVE_INFINITY) return;
    // The last renewal happened now (renewal is modelled as continuous while possible).
    const deadline = tMs + this.ctx.scenario.sink.txnLeaseMs;
    txn.leaseDeadlineMs = deadline;
    this.ctx.scheduler.schedule(deadline, () => this.expireIfDue(txn, deadline));
  }

  private expireIfDue(txn: Transaction, tMs: number): void {
    if (txn.state !== 'OPEN' || txn.leaseDeadlineMs > tMs) return;
    txn.state = 'ABORTED';
    this.open.delete(txn);
    this.counters.txnExpired++;
    this.ctx.emit({ t: tMs, kind: 'txn-expired', ...txn.ref(), events: txn.dataEvents() });
    this.ctx.console('writer', `Transaction ${txn.txnId} lease expired: the store aborted it`, tMs);
    this.ctx.metrics.setOpenTxns(tMs, this.open.size);
  }
}

function firstData(values: readonly number[]): number | null {
  for (const v of values) if (v !== START_MARKER && v !== END_MARKER) return v;
  return null;
}

function lastData(values: readonly number[]): number | null {
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i]!;
    if (v !== START_MARKER && v !== END_MARKER) return v;
  }
  return null;
}
