import type { Checker } from './checker';
import { END_MARKER, invariant, type SimContext, START_MARKER } from './context';
import type { TxnRef, TxnState } from './events';
import { Counter } from './metrics';
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
const EMPTY = new Int32Array(0);

export class Transaction implements TxnRef {
  state: TxnState = 'OPEN';
  /** The events written into it, in order: values[0..length). */
  values: Int32Array;
  length = 0;
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
    buffer: Int32Array,
  ) {
    this.values = buffer;
  }

  append(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Int32Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }

  /** Data values written into it (markers excluded). */
  dataCount = 0;
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

  private readonly readUncommitted: boolean;
  private readonly txnCapacityHint: number;
  /** Event buffers of ended transactions, reused: allocating a typed array per transaction is slow. */
  private readonly freeBuffers: Int32Array[] = [];

  constructor(
    private readonly ctx: SimContext,
    private readonly checker: Checker,
    private readonly isRenewer: RenewerCheck,
  ) {
    this.readUncommitted = ctx.scenario.checker.isolation === 'read_uncommitted';
    // Sized for one checkpoint interval of events per subtask, so a transaction rarely grows.
    const s = ctx.scenario;
    this.txnCapacityHint = Math.max(
      8,
      Math.ceil(s.checkpoint.intervalMs / s.source.eventIntervalMs / s.sink.parallelism) + 4,
    );
  }

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
    if (value > 0) this.ctx.metrics.count(Counter.written, tMs, 1);
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
        if (tag === PLAIN_WRITE && value > 0) this.ctx.metrics.count(Counter.committed, at, 1);
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

  private takeBuffer(): Int32Array {
    return this.freeBuffers.pop() ?? new Int32Array(this.txnCapacityHint);
  }

  /** A transaction that ended (committed and read, aborted or expired) gives its buffer back. */
  private release(txn: Transaction): void {
    if (this.freeBuffers.length < 64 && txn.values.length <= this.txnCapacityHint * 4)
      this.freeBuffers.push(txn.values);
    txn.values = EMPTY;
    txn.length = 0;
  }

  /** Begins a transaction, or returns null when the controller is unreachable. */
  beginTxn(subtask: number, attempt: number, tMs: number): Transaction | null {
    if (!this.controllerUp) return null;
    const txn = new Transaction(this.nextTxnId++, subtask, attempt, tMs, this.takeBuffer());
    this.open.add(txn);
    this.counters.txnBegun++;
    this.ctx.emit({
      t: tMs,
      kind: 'txn-begun',
      txnId: txn.txnId,
      subtask: txn.subtask,
      attempt: txn.attempt,
    });
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
    txn.append(value);
    if (value > 0) {
      txn.dataCount++;
      this.ctx.metrics.count(Counter.written, tMs, 1);
    }
    if (this.readUncommitted) {
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
      this.commitFailed(
        txn,
        checkpointId,
        tMs,
        'not-open',
        `Transaction ${txn.txnId} is ${txn.state}, not OPEN: cannot commit it`,
      );
      return;
    }
    if (!this.controllerUp) {
      txn.dropped = true;
      this.commitFailed(
        txn,
        checkpointId,
        tMs,
        'controller-unreachable',
        `Failed to commit transaction ${txn.txnId}: controller unreachable`,
      );
      this.refreshLease(txn, tMs);
      return;
    }
    txn.state = 'COMMITTING';
    this.ctx.emit({
      t: tMs,
      kind: 'txn-committing',
      txnId: txn.txnId,
      subtask: txn.subtask,
      attempt: txn.attempt,
      checkpointId,
      recovery,
    });
    this.ctx.scheduler.schedule(tMs + this.ctx.scenario.sink.commitLatencyMs, () =>
      this.completeCommit(txn, tMs + this.ctx.scenario.sink.commitLatencyMs),
    );
  }

  private commitFailed(
    txn: Transaction,
    checkpointId: number,
    tMs: number,
    why: 'not-open' | 'controller-unreachable',
    line: string,
  ): void {
    this.counters.txnCommitFailed++;
    this.ctx.emit({
      t: tMs,
      kind: 'txn-commit-failed',
      txnId: txn.txnId,
      subtask: txn.subtask,
      attempt: txn.attempt,
      checkpointId,
      why,
      state: txn.state,
    });
    this.ctx.console('writer', line, tMs);
  }

  private completeCommit(txn: Transaction, tMs: number): void {
    if (txn.state !== 'COMMITTING') invariant(false, `txn ${txn.txnId} completes a commit from ${txn.state}`);
    txn.state = 'COMMITTED';
    this.open.delete(txn);
    this.counters.txnCommitted++;
    const values = txn.values;
    const length = txn.length;
    const data = txn.dataCount;
    if (data > 0) this.ctx.metrics.count(Counter.committed, tMs, data);
    if (!this.readUncommitted) {
      for (let i = 0; i < length; i++) this.checker.read(values[i]!, tMs);
    }
    this.ctx.emit({
      t: tMs,
      kind: 'txn-committed',
      txnId: txn.txnId,
      subtask: txn.subtask,
      attempt: txn.attempt,
      events: data,
      firstValue: firstData(values, length),
      lastValue: lastData(values, length),
    });
    this.release(txn);
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
    this.ctx.emit({
      t: tMs,
      kind: 'txn-aborted',
      txnId: txn.txnId,
      subtask: txn.subtask,
      attempt: txn.attempt,
      events: txn.dataCount,
      why,
      firstValue: firstData(txn.values, txn.length),
      lastValue: lastData(txn.values, txn.length),
    });
    this.release(txn);
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
    this.ctx.emit({
      t: tMs,
      kind: 'txn-expired',
      txnId: txn.txnId,
      subtask: txn.subtask,
      attempt: txn.attempt,
      events: txn.dataCount,
      firstValue: firstData(txn.values, txn.length),
      lastValue: lastData(txn.values, txn.length),
    });
    this.ctx.console('writer', `Transaction ${txn.txnId} lease expired: the store aborted it`, tMs);
    this.release(txn);
    this.ctx.metrics.setOpenTxns(tMs, this.open.size);
  }
}

function firstData(values: Int32Array, length: number): number | null {
  for (let i = 0; i < length; i++) {
    const v = values[i]!;
    if (v !== START_MARKER && v !== END_MARKER) return v;
  }
  return null;
}

function lastData(values: Int32Array, length: number): number | null {
  for (let i = length - 1; i >= 0; i--) {
    const v = values[i]!;
    if (v !== START_MARKER && v !== END_MARKER) return v;
  }
  return null;
}
