import type { TaskFailureReason, TxnRef } from '../events';
import { invariant, type SimContext } from '../kernel/context';
import { TripleQueue } from '../kernel/ring';
import { type Explainer, readSource, type TxnFact, Via } from '../run/causes';
import { Counter, Tally } from '../run/metrics';
import type { Checker } from './checker';
import { ControllerLeases } from './leases';
import { txnName } from './names';
import type { Pinger } from './pinger';
import { type CallLabel, type Continuation, RetriedService } from './retry';
import { firstData, type KafkaTxnInfo, lastData, producerOf, Transaction, txnRef } from './transaction';
import { PLAIN_WRITE, UNCOMMITTED_TXN_WRITE, WriterConnection } from './writer-connection';

/**
 * A Pravega-like stream store with one segment (the sample routes every event with the key
 * "fixedkey"), and the controller that runs its transactions, as the job's Pravega client sees them.
 *
 * - Plain writes become visible when the store acknowledges them. While the segment store is down
 *   the writers keep their unacknowledged events and reconnect on the client's backoff schedule
 *   (writer-connection.ts); on reconnect they resend, and only when the retries run out do the
 *   writes fail.
 * - Transactional writes become visible when the transaction commits.
 * - Controller calls (begin, commit, abort, ping) are retried while the controller is unreachable
 *   (ControllerImpl, ControllerImplConfig).
 * - Leases: the controller aborts an OPEN transaction `txnLeaseMs` after its last successful ping
 *   (its own timer, which keeps running when the job cannot reach it: leases.ts). Each
 *   transactional writer pings its transactions at fixed intervals (client Pinger: pinger.ts).
 */

const EMPTY = new Int32Array(0);

/** What the store tells the job about: a writer whose retries ran out with writes still unacknowledged. */
export interface StoreHooks {
  writerBroken(attempt: number, writes: number, t: number): void;
}

export interface StoreCounters {
  txnBegun: number;
  txnCommitted: number;
  txnAborted: number;
  txnExpired: number;
  txnCommitFailed: number;
}

/** An exception a commit throws into the task, and the failure reason it gives (Kafka's fencing). */
export interface CommitThrown {
  reason: TaskFailureReason;
  exception: string;
}

/** Why a transaction was aborted (`fenced`: Kafka's InitProducerId for its transactional id aborted it). */
export type AbortWhy = 'restore' | 'task-closed' | 'end-of-input' | 'commit-rejected' | 'fenced';

/** Outcome of a flush: done, failed (a write failed or the transaction is gone), or waiting for a reconnect. */
export type FlushState = 'done' | 'failed' | 'waiting';

export class StreamStore {
  readonly controller: RetriedService;
  private readonly segments: RetriedService;
  /** The controller's lease timers, which the writers' Pingers renew. */
  readonly leases: ControllerLeases;
  private readonly leaseMs: number;
  private nextTxnId = 1;
  private readonly open = new Set<Transaction>();
  /**
   * In-flight plain writes (and uncommitted reads), one FIFO per job attempt (its `owner`), in
   * acknowledgement order; the queues in the order their attempts first wrote. An array, not a map:
   * `deliverUntil` scans it at every step of the run, and there are rarely more than two.
   */
  private readonly inflight: TripleQueue[] = [];
  readonly counters: StoreCounters = {
    txnBegun: 0,
    txnCommitted: 0,
    txnAborted: 0,
    txnExpired: 0,
    txnCommitFailed: 0,
  };

  /** The writers' connection to the segment store, which drops and reconnects with it. */
  private readonly writers: WriterConnection;
  /** Work the store finishes once it answers again (commits being applied, transactions being created). */
  private storeUpWaiters: Continuation[] = [];

  protected readonly readUncommitted: boolean;
  private readonly txnCapacityHint: number;
  /** Event buffers of ended transactions, reused: allocating a typed array per transaction is slow. */
  private readonly freeBuffers: Int32Array[] = [];

  constructor(
    readonly ctx: SimContext,
    protected readonly checker: Checker,
    protected readonly explainer: Explainer,
    private readonly hooks: StoreHooks,
  ) {
    const s = ctx.scenario;
    this.controller = new RetriedService(ctx, 'controller', s.sink.controllerRetry);
    this.segments = new RetriedService(ctx, 'segment-store', s.sink.writerRetry);
    this.leaseMs = s.sink.txnLeaseMs;
    this.leases = new ControllerLeases(ctx, this.controller, this.leaseMs, (txn, t) => this.expire(txn, t));
    this.writers = new WriterConnection(ctx, this.segments, {
      inflightFor: (attempt) => this.queueFor(attempt),
      writeFailed: (attempt, value, t) => this.explainer.writeFailed(attempt, value, t),
      writerBroken: (attempt, writes, t) => this.hooks.writerBroken(attempt, writes, t),
    });
    this.readUncommitted = s.checker.isolation === 'read_uncommitted';
    // Sized for one checkpoint interval of events per subtask, so a transaction rarely grows.
    this.txnCapacityHint = Math.max(
      8,
      Math.ceil(s.checkpoint.intervalMs / s.source.eventIntervalMs / s.sink.parallelism) + 4,
    );
  }

  get openTransactions(): number {
    return this.open.size;
  }

  /** At the run's end: the values of transactions still open are left uncommitted (or never flushed). */
  explainLeftOpen(tMs: number): void {
    for (const txn of this.open) {
      if (txn.state !== 'OPEN') continue;
      this.explainer.txnLost('left-uncommitted', this.txnFact(txn, tMs), txn.values, txn.length);
    }
  }

  protected txnFact(txn: Transaction, tMs: number): TxnFact {
    return {
      txnId: txn.txnId,
      name: txnName(txn),
      subtask: txn.subtask,
      attempt: txn.attempt,
      checkpointId: txn.epoch,
      endedAtMs: tMs,
    };
  }

  setControllerOutage(active: boolean): void {
    this.controller.setOutage(active);
  }

  /** The segment store stops (or starts again) answering: every writer's connection drops. */
  setStoreOutage(active: boolean, t: number): void {
    this.segments.setOutage(active);
    if (active) {
      this.writers.storeDown(t);
      return;
    }
    if (!this.segments.reachable) return;
    const waiters = this.storeUpWaiters;
    this.storeUpWaiters = [];
    for (const waiter of waiters) waiter(t);
    this.writers.storeUp(t);
  }

  // ---- plain writes ----

  /** Sends one plain write; it is acknowledged after writeLatencyMs, or kept for resending while disconnected. */
  plainWrite(attempt: number, value: number, tMs: number): void {
    if (value > 0) this.ctx.metrics.count(Counter.written, tMs, 1);
    if (this.writers.connected) {
      this.queueFor(attempt).push(value, tMs + this.ctx.scenario.sink.writeLatencyMs, PLAIN_WRITE);
      return;
    }
    this.writers.keep(attempt, value, tMs, PLAIN_WRITE);
  }

  /** Whether the writers are connected to the segment store (a write then goes out at once). */
  get writersConnected(): boolean {
    return this.writers.connected;
  }

  /** plainWrite for channel entries from..to-1, each at its arrival or `resumeAtMs`; only while connected. */
  plainWriteRun(attempt: number, channel: TripleQueue, from: number, to: number, resumeAtMs: number): void {
    invariant(this.writers.connected, 'a batch of plain writes while disconnected');
    const queue = this.queueFor(attempt);
    const latency = this.ctx.scenario.sink.writeLatencyMs;
    const { values, times } = channel;
    const written = new Tally(this.ctx.metrics, Counter.written);
    for (let i = from; i < to; i++) {
      const value = values[i]!;
      const at = Math.max(times[i]!, resumeAtMs);
      if (value > 0) written.add(at);
      queue.push(value, at + latency, PLAIN_WRITE);
    }
    written.flush();
  }

  /**
   * txnWrite for channel entries from..to-1 into their subtask's open transaction, each at its
   * arrival or `resumeAtMs`; only while connected.
   */
  txnWriteRun(
    subtasks: readonly { readonly current: Transaction | null }[],
    channel: TripleQueue,
    from: number,
    to: number,
    resumeAtMs: number,
  ): void {
    invariant(this.writers.connected, 'a batch of transactional writes while disconnected');
    const { values, times, tags } = channel;
    const written = new Tally(this.ctx.metrics, Counter.written);
    for (let i = from; i < to; i++) {
      const txn = subtasks[tags[i]!]!.current;
      invariant(txn !== null, 'transactional sink has no open transaction');
      const value = values[i]!;
      const at = Math.max(times[i]!, resumeAtMs);
      if (!this.appendToTxn(txn, value, at)) continue;
      if (value > 0) written.add(at);
      if (this.readUncommitted) this.sendUncommitted(txn, value, at);
    }
    written.flush();
  }

  /** Makes every acknowledged plain write up to tMs visible, in acknowledgement order. */
  deliverUntil(tMs: number): void {
    const queues = this.inflight;
    if (queues.length === 0) return;
    for (;;) {
      let best: TripleQueue | undefined;
      let bestTime = Number.POSITIVE_INFINITY;
      let second = Number.POSITIVE_INFINITY;
      for (let q = 0; q < queues.length; q++) {
        const queue = queues[q]!;
        const head = queue.headTime();
        if (head < bestTime) {
          second = bestTime;
          bestTime = head;
          best = queue;
        } else if (head < second) second = head;
      }
      if (best === undefined || bestTime > tMs) return;
      this.deliverRun(best, best.countDueBy(Math.min(tMs, second), best.length));
    }
  }

  /** The reader sees the `count` head writes of one attempt's queue, each at its acknowledgement. */
  private deliverRun(queue: TripleQueue, count: number): void {
    const { values, times, tags, head, owner: attempt } = queue;
    const plain = readSource(attempt, Via.plain);
    const uncommitted = readSource(attempt, Via.uncommitted);
    const committed = new Tally(this.ctx.metrics, Counter.committed);
    for (let i = head; i < head + count; i++) {
      const value = values[i]!;
      const isPlain = tags[i] === PLAIN_WRITE;
      if (isPlain && value > 0) committed.add(times[i]!);
      this.checker.read(value, times[i]!, isPlain ? plain : uncommitted);
    }
    committed.flush();
    queue.drop(count);
  }

  /** Last acknowledgement time of an attempt's in-flight writes, or -Infinity. */
  lastAckAt(attempt: number): number {
    return this.inflight.find((q) => q.owner === attempt)?.tailTime() ?? Number.NEGATIVE_INFINITY;
  }

  /** Whether the attempt has plain writes waiting to be resent. */
  hasUnacked(attempt: number): boolean {
    return this.writers.hasKept(attempt);
  }

  /**
   * When the writes still in flight will have landed or failed: the last acknowledgement, or, while
   * the writers reconnect with writes kept, the reconnect cycle's last attempt.
   */
  settledByMs(attempts: number): number {
    let at = Number.NEGATIVE_INFINITY;
    for (let id = 1; id <= attempts; id++) at = Math.max(at, this.lastAckAt(id));
    return Math.max(at, this.writers.settledByMs());
  }

  /** Calls back when the writers reconnect (and resent what they kept), or when their retries ran out. */
  awaitResend(connected: Continuation, broken: Continuation): void {
    this.writers.awaitResend(connected, broken);
  }

  /** Drops empty queues of attempts that will write no more. */
  retireAttempt(attempt: number): void {
    const at = this.inflight.findIndex((q) => q.owner === attempt);
    if (at >= 0 && this.inflight[at]!.length === 0) this.inflight.splice(at, 1);
  }

  private queueFor(attempt: number): TripleQueue {
    const queues = this.inflight;
    for (let q = 0; q < queues.length; q++) if (queues[q]!.owner === attempt) return queues[q]!;
    const queue = new TripleQueue(64, attempt);
    queues.push(queue);
    return queue;
  }

  /** Runs `action` now when the segment store answers, else once it does. */
  private whenStoreUp(t: number, action: Continuation): void {
    if (this.segments.reachable) action(t);
    else this.storeUpWaiters.push(action);
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

  /**
   * The writer's beginTxn: a controller call (retried), which creates the transaction's segments
   * in the store (waiting for it when it is down). `exhausted` runs when the retries ran out.
   */
  beginTxn(
    subtask: number,
    attempt: number,
    epoch: number,
    pinger: Pinger,
    tMs: number,
    done: (txn: Transaction, at: number) => void,
    exhausted: Continuation,
  ): void {
    const label: CallLabel = { call: 'txn-begin', subtask, attempt, txnId: null };
    this.controller.call(
      tMs,
      label,
      (at) =>
        this.whenStoreUp(at, (created) =>
          done(this.createTxn(subtask, attempt, epoch, pinger, created), created),
        ),
      exhausted,
    );
  }

  /** Whether a call made now gets through at once (the hot path skips the retry machinery). */
  get answersNow(): boolean {
    return this.controller.reachable && this.segments.reachable;
  }

  /**
   * Opens a transaction; `pinger` keeps its lease (Pravega), `kafka` names its producer (Kafka,
   * whose transactions have no lease but a timeout: model/kafka/).
   */
  createTxn(
    subtask: number,
    attempt: number,
    epoch: number,
    pinger: Pinger | null,
    tMs: number,
    kafka: KafkaTxnInfo | null = null,
  ): Transaction {
    const txn = new Transaction(
      this.nextTxnId++,
      subtask,
      attempt,
      epoch,
      tMs,
      this.leaseMs,
      this.takeBuffer(),
    );
    txn.kafka = kafka;
    this.open.add(txn);
    this.counters.txnBegun++;
    if (this.ctx.listening)
      this.ctx.emit(
        kafka === null
          ? { t: tMs, kind: 'txn-begun', ...txnRef(txn) }
          : { t: tMs, kind: 'txn-begun', ...txnRef(txn), ...producerOf(kafka) },
      );
    this.ctx.metrics.setOpenTxns(tMs, this.open.size);
    pinger?.startPing(txn, tMs);
    return txn;
  }

  /** Writes one event into a transaction; a write into a transaction that is no longer OPEN fails its flush. */
  txnWrite(txn: Transaction, value: number, tMs: number): void {
    if (!this.appendToTxn(txn, value, tMs)) return;
    if (value > 0) this.ctx.metrics.count(Counter.written, tMs, 1);
    if (!this.writers.connected) this.writers.keepUnsent(txn, tMs);
    if (!this.readUncommitted) return;
    if (this.writers.connected) this.sendUncommitted(txn, value, tMs);
    else this.writers.keep(txn.attempt, value, tMs, UNCOMMITTED_TXN_WRITE);
  }

  /** Puts one event into its transaction at tMs; false when it no longer takes writes (its flush then fails). */
  protected appendToTxn(txn: Transaction, value: number, _tMs: number): boolean {
    if (txn.state !== 'OPEN') {
      txn.writeFailed = true;
      return false;
    }
    txn.append(value);
    if (value > 0) txn.dataCount++;
    return true;
  }

  /**
   * A read_uncommitted reader sees a transactional write as soon as the store has it, whatever the
   * transaction's fate (Kafka's default isolation; Pravega has no such mode).
   */
  private sendUncommitted(txn: Transaction, value: number, tMs: number): void {
    this.queueFor(txn.attempt).push(
      value,
      tMs + this.ctx.scenario.sink.writeLatencyMs,
      UNCOMMITTED_TXN_WRITE,
    );
  }

  /**
   * The state of a transaction's flush (pre-commit) that was started earlier. Only a write that
   * failed fails it: TransactionImpl.flush checks the client's own closed flag, and
   * SegmentOutputStreamImpl.flush returns at once when nothing is in flight, so a transaction the
   * controller aborted while it sat idle flushes "fine" (writes after the abort do fail: the
   * segment is gone, and `appendToTxn` marks them).
   */
  flushState(txn: Transaction): FlushState {
    if (txn.writeFailed) return 'failed';
    return txn.unsent ? 'waiting' : 'done';
  }

  /**
   * The connector's commit(): checkStatus, then commit when OPEN (FlinkPravegaWriter.commit). A
   * transaction found not OPEN is only logged (a recovery commit of a committed one is a no-op); a
   * commit the store rejects (TxnFailedException) is logged and dropped; both calls go to the
   * controller and are retried; when the retries run out `exhausted` runs (the task fails).
   */
  commitTxn(
    txn: Transaction,
    checkpointId: number,
    tMs: number,
    recovery: boolean,
    rejected: boolean,
    done: (at: number, thrown: CommitThrown | null) => void,
    exhausted: Continuation,
  ): void {
    const label: CallLabel = {
      call: 'txn-commit',
      subtask: txn.subtask,
      attempt: txn.attempt,
      txnId: txn.txnId,
    };
    this.controller.call(
      tMs,
      label,
      (at) => done(at, this.commitReached(txn, checkpointId, at, recovery, rejected)),
      (at) => {
        this.commitFailed(
          txn,
          checkpointId,
          at,
          'retries-exhausted',
          `Failed to commit transaction ${txn.txnId}: controller unreachable, retries exhausted`,
        );
        exhausted(at);
      },
    );
  }

  /**
   * The commit once the controller answered (checkStatus, then commit); see commitTxn. Returns the
   * exception the commit throws into the task, or null: the Pravega connector throws none (it logs).
   */
  commitReached(
    txn: Transaction,
    checkpointId: number,
    tMs: number,
    recovery: boolean,
    rejected: boolean,
  ): CommitThrown | null {
    if (txn.state !== 'OPEN') {
      if (recovery && (txn.state === 'COMMITTED' || txn.state === 'COMMITTING')) return null;
      // FlinkPravegaWriter.commit only logs it: the values the lease took are lost without a failover.
      if (txn.expired)
        this.explainer.expiredTxnFoundAtCommit(
          txn.txnId,
          txn.expiredBeforePrecommit,
          checkpointId,
          tMs,
          recovery,
        );
      this.commitFailed(
        txn,
        checkpointId,
        tMs,
        'not-open',
        `Transaction ${txn.txnId} has unexpected transaction status ${txn.state} while committing`,
      );
      return null;
    }
    if (rejected) {
      this.commitFailed(txn, checkpointId, tMs, 'rejected', `Transaction ${txn.txnId} commit failed.`);
      this.endAborted(txn, tMs, 'commit-rejected');
      return null;
    }
    this.startCommit(txn, checkpointId, tMs, recovery);
    return null;
  }

  /** The store applies a commit the controller took: visible commitLatencyMs later. */
  protected startCommit(txn: Transaction, checkpointId: number, tMs: number, recovery: boolean): void {
    txn.state = 'COMMITTING';
    txn.pinger?.stopPing(txn);
    if (this.ctx.listening)
      this.ctx.emit({ t: tMs, kind: 'txn-committing', ...txnRef(txn), checkpointId, recovery });
    const at = tMs + this.ctx.scenario.sink.commitLatencyMs;
    // The controller applies the commit in the store, waiting for it when it is down.
    this.ctx.scheduler.schedule(at, () =>
      this.whenStoreUp(at, (up) => {
        if (up === at) this.completeCommit(txn, at);
        else {
          const later = up + this.ctx.scenario.sink.commitLatencyMs;
          this.ctx.scheduler.schedule(later, () => this.completeCommit(txn, later));
        }
      }),
    );
  }

  protected commitFailed(
    txn: Transaction,
    checkpointId: number,
    tMs: number,
    why: 'not-open' | 'rejected' | 'retries-exhausted',
    line: string,
    recovery?: boolean,
  ): void {
    this.counters.txnCommitFailed++;
    this.ctx.emit({
      t: tMs,
      kind: 'txn-commit-failed',
      ...txnRef(txn),
      checkpointId,
      why,
      state: txn.state,
      ...(recovery === undefined ? {} : { recovery }),
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
    if (!this.readUncommitted) this.committedVisible(txn, tMs);
    if (this.ctx.listening)
      this.ctx.emit({
        t: tMs,
        kind: 'txn-committed',
        ...txnRef(txn),
        events: data,
        firstValue: firstData(values, length),
        lastValue: lastData(values, length),
        ...this.heldBehind(txn),
      });
    this.release(txn);
    this.ctx.metrics.setOpenTxns(tMs, this.open.size);
    this.ended(txn, tMs);
  }

  /**
   * A read_committed reader sees a committed transaction's events: in Pravega at once, its
   * segment merged into the stream whole (Kafka's log holds them behind open transactions).
   */
  protected committedVisible(txn: Transaction, tMs: number): void {
    this.checker.readMany(txn.values, txn.length, tMs, readSource(txn.attempt, Via.committed));
  }

  /** What a committed transaction's values still wait behind (Kafka's last stable offset); none in Pravega. */
  protected heldBehind(_txn: Transaction): { heldBy?: TxnRef } {
    return {};
  }

  /** A transaction ended: committed (told), aborted or expired (Kafka's reader may move past it). */
  protected ended(_txn: Transaction, _tMs: number): void {}

  /**
   * The writer's abort (TransactionalEventStreamWriterImpl.abort): it stops pinging the transaction
   * first, then makes the controller call, retried. A transaction no longer OPEN is left alone.
   * `exhausted` runs when the retries ran out; the transaction then waits for its lease to run out.
   */
  abortTxn(
    txn: Transaction,
    tMs: number,
    why: 'restore' | 'task-closed' | 'end-of-input',
    done: Continuation,
    exhausted: Continuation,
  ): void {
    const label: CallLabel = {
      call: 'txn-abort',
      subtask: txn.subtask,
      attempt: txn.attempt,
      txnId: txn.txnId,
    };
    if (txn.pinger !== null) {
      txn.pinger.stopPing(txn);
      this.leases.watchLease(txn);
    }
    this.controller.call(
      tMs,
      label,
      (at) => {
        if (txn.state === 'OPEN') this.endAborted(txn, at, why);
        done(at);
      },
      (at) => {
        this.ctx.console('writer', `Failed to abort transaction ${txn.txnId}: controller unreachable`, at);
        exhausted(at);
      },
    );
  }

  protected endAborted(txn: Transaction, tMs: number, why: AbortWhy): void {
    const fate =
      why === 'commit-rejected' ? 'commit-rejected' : why === 'end-of-input' ? 'end-of-input' : 'txn-aborted';
    this.explainer.txnLost(fate, this.txnFact(txn, tMs), txn.values, txn.length);
    txn.state = 'ABORTED';
    txn.pinger?.stopPing(txn);
    this.open.delete(txn);
    this.counters.txnAborted++;
    this.ctx.emit({
      t: tMs,
      kind: 'txn-aborted',
      ...txnRef(txn),
      events: txn.dataCount,
      why,
      firstValue: firstData(txn.values, txn.length),
      lastValue: lastData(txn.values, txn.length),
    });
    this.release(txn);
    this.ctx.metrics.setOpenTxns(tMs, this.open.size);
    this.ended(txn, tMs);
  }

  /**
   * The controller's lease ran out: it aborts the transaction (see ControllerLeases); Kafka's
   * coordinator does the same when the transaction timeout passes (its own console line).
   */
  protected expire(
    txn: Transaction,
    tMs: number,
    line = `Transaction ${txn.txnId} lease expired: the controller aborted it`,
  ): void {
    this.explainer.txnLost('txn-expired', this.txnFact(txn, tMs), txn.values, txn.length);
    txn.expired = true;
    txn.expiredBeforePrecommit = txn.checkpointId === null;
    txn.state = 'ABORTED';
    txn.pinger?.stopPing(txn);
    this.open.delete(txn);
    this.counters.txnExpired++;
    this.ctx.emit({
      t: tMs,
      kind: 'txn-expired',
      ...txnRef(txn),
      events: txn.dataCount,
      firstValue: firstData(txn.values, txn.length),
      lastValue: lastData(txn.values, txn.length),
    });
    this.ctx.console('writer', line, tMs);
    this.release(txn);
    this.ctx.metrics.setOpenTxns(tMs, this.open.size);
    this.ended(txn, tMs);
  }
}
