import type { TaskFailureReason } from '../events';
import type { SimContext } from '../kernel/context';
import { invariant } from '../kernel/context';
import type { TripleQueue } from '../kernel/ring';
import type { WriterMode } from '../scenario/schema';
import { Pinger } from './pinger';
import type { Continuation } from './retry';
import type { CommitThrown, StreamStore } from './stream-store';
import type { CompletedCheckpoint, SinkHooks, SinkSnapshot, TaskFailure } from './task';
import { firstData, lastData, type Transaction, txnRef } from './transaction';

/**
 * The Pravega writer sink (pravega/flink-connectors: FlinkPravegaWriter, a Flink
 * TwoPhaseCommitSinkFunction) in its three writer modes, one interface and three
 * implementations, chosen once per attempt: plain writes (BEST_EFFORT), plain writes flushed at
 * every checkpoint (ATLEAST_ONCE), and one transaction per subtask per checkpoint (EXACTLY_ONCE).
 */

/** One sink subtask's state. */
export class SinkSubtask {
  /** The open transaction (EXACTLY_ONCE). */
  current: Transaction | null = null;
  /** Pre-committed transactions waiting for their checkpoint's notification (EXACTLY_ONCE). */
  pending: { checkpointId: number; txn: Transaction }[] = [];
  /** Earliest time a failed plain write's error comes back to this writer. */
  firstFailureAtMs = Number.POSITIVE_INFINITY;
  constructor(
    readonly index: number,
    /** The transactional writer's lease pinger (EXACTLY_ONCE only). */
    readonly pinger: Pinger | null,
  ) {}
}

/** What a sink writer needs from the attempt it runs in (job.ts). */
export interface SinkTask {
  readonly id: number;
  readonly alive: boolean;
  readonly ctx: SimContext;
  readonly store: StreamStore;
  readonly hooks: SinkHooks;
  readonly restoredFrom: CompletedCheckpoint | null;
  /** A subtask's acknowledgement of a checkpoint, with its state (EXACTLY_ONCE). */
  acknowledge(checkpointId: number, subtask: number, snapshot: SinkSnapshot | null, t: number): void;
  /** The task fails: the job fails over. */
  fail(failure: TaskFailure): void;
  /** Its snapshotState threw (`why`): the subtask declines the checkpoint instead of acknowledging it. */
  decline(checkpointId: number, t: number, why: string): void;
  /** Runs a task-side action now, or once the attempt runs again; never once it is gone. */
  whenRunning(t: number, action: Continuation): void;
  /** A client call on the task thread: the attempt stalls until one of the two continuations runs. */
  blockingCall(call: (done: Continuation, exhausted: Continuation) => void): void;
  /** Whether the attempt is frozen (its Pingers ping nothing then). */
  readonly isFrozen: boolean;
}

export interface SinkWriter {
  /** The subtasks' state, one per sink subtask. */
  readonly sinks: readonly SinkSubtask[];
  /** initializeState: recover what the restored checkpoint holds and open what the first epoch needs. */
  start(t: number): void;
  /** invoke(): one event into subtask `sink`; a failure when the task must fail. */
  write(sink: SinkSubtask, value: number, t: number): TaskFailure | null;
  /**
   * Whether writes can neither fail the task nor tell anything now (the writers are connected and
   * no write error is waiting): then the attempt may write what arrived in batches with `writeRun`.
   */
  readonly batchable: boolean;
  /**
   * invoke() for channel entries from..to-1 (value, arrival time, subtask), each at its arrival or
   * at `resumeAtMs` if later; only while `batchable`.
   */
  writeRun(channel: TripleQueue, from: number, to: number, resumeAtMs: number): void;
  /** snapshotState at checkpoint `checkpointId`'s barrier; the subtask acknowledges when done. */
  barrier(sink: SinkSubtask, checkpointId: number, t: number): void;
  /** notifyCheckpointComplete; `done` runs once the calls it made returned. */
  notify(sink: SinkSubtask, checkpointId: number, t: number, done: Continuation | null): void;
  /**
   * What close() does before it closes at the job's end: the plain writers flush and verify
   * (`NonTransactionalWriter.close` → `flushAndVerify`), so a write error fails the task instead of
   * letting the job finish; `next` runs when it may close.
   */
  verifyBeforeClose(t: number, next: Continuation): void;
  /** close(): a failed task (`task-closed`) or the job's end (`end-of-input`). */
  close(t: number, why: 'task-closed' | 'end-of-input'): void;
  /** The process died: nothing is closed cleanly. */
  kill(): void;
  /** The writers' reconnect retries ran out with `writes` plain writes unacknowledged. */
  writerBroken(writes: number, t: number): void;
  /** After a pause, pings that were due go out at once. */
  thaw(t: number): void;
}

/** The plain writers of BEST_EFFORT and ATLEAST_ONCE, the same on either system. */
export function plainWriterFor(mode: Exclude<WriterMode, 'EXACTLY_ONCE'>, task: SinkTask): SinkWriter {
  return mode === 'ATLEAST_ONCE' ? new FlushingWriter(task) : new PlainWriter(task);
}

const noop = (): void => {};

/** The first exception of a notification's commits: it fails the task once every commit was tried. */
interface CommitFailure {
  reason: TaskFailureReason;
  detail: string;
}

/** The exception a commit threw into the task (the store's answer: see `commitReached`), or null. */
function thrownBy(txn: Transaction, thrown: CommitThrown | null): CommitFailure | null {
  if (thrown === null) return null;
  return {
    reason: thrown.reason,
    detail: `sink ${txn.subtask}: commit of transaction ${txn.txnId} failed: ${thrown.exception}`,
  };
}

/** One step of initializeState: it runs at `at` and calls `next` when done. */
export type InitStep = (at: number, next: Continuation) => void;

/**
 * BEST_EFFORT: asynchronous plain writes, visible once acknowledged. A write error comes back
 * later and fails the task at its next event (checkWriteError); a barrier is acknowledged at once.
 */
export class PlainWriter implements SinkWriter {
  readonly sinks: SinkSubtask[];

  constructor(
    protected readonly task: SinkTask,
    withPingers = false,
  ) {
    this.sinks = Array.from(
      { length: task.ctx.scenario.sink.parallelism },
      (_, i) => new SinkSubtask(i, withPingers ? new Pinger(task.store.leases, () => task.isFrozen) : null),
    );
  }

  start(_t: number): void {}

  write(sink: SinkSubtask, value: number, t: number): TaskFailure | null {
    if (sink.firstFailureAtMs <= t) {
      return { t, reason: 'write-error', detail: `sink ${sink.index}: an earlier write failed` };
    }
    this.task.store.plainWrite(this.task.id, value, t);
    return null;
  }

  get batchable(): boolean {
    if (!this.task.store.writersConnected) return false;
    for (const sink of this.sinks) if (sink.firstFailureAtMs !== Number.POSITIVE_INFINITY) return false;
    return true;
  }

  writeRun(channel: TripleQueue, from: number, to: number, resumeAtMs: number): void {
    this.task.store.plainWriteRun(this.task.id, channel, from, to, resumeAtMs);
  }

  barrier(sink: SinkSubtask, checkpointId: number, t: number): void {
    this.acknowledgeAt(sink, checkpointId, null, t);
  }

  notify(_sink: SinkSubtask, _checkpointId: number, t: number, done: Continuation | null): void {
    done?.(t);
  }

  verifyBeforeClose(t: number, next: Continuation): void {
    this.flushAndVerify(this.sinks, t, next, 'at close');
  }

  close(_t: number, _why: 'task-closed' | 'end-of-input'): void {}

  kill(): void {}

  writerBroken(writes: number, t: number): void {
    for (const sink of this.sinks) {
      if (sink.firstFailureAtMs !== Number.POSITIVE_INFINITY) continue;
      sink.firstFailureAtMs = t;
      this.task.ctx.emit({ t, kind: 'write-failed', attempt: this.task.id, subtask: sink.index, writes });
    }
  }

  thaw(_t: number): void {}

  protected acknowledgeAt(
    sink: SinkSubtask,
    checkpointId: number,
    snapshot: SinkSnapshot | null,
    t: number,
  ): void {
    const task = this.task;
    task.ctx.scheduler.schedule(t, () =>
      task.whenRunning(t, (at) => task.acknowledge(checkpointId, sink.index, snapshot, at)),
    );
  }

  protected fail(t: number, reason: TaskFailureReason, detail: string): void {
    this.task.fail({ t, reason, detail });
  }

  /**
   * flushAndVerify: waits until every write sent so far is acknowledged (resent ones included),
   * then fails the task if a write of `sinks` failed, else goes on with `next`.
   */
  protected flushAndVerify(sinks: readonly SinkSubtask[], t: number, next: Continuation, when = ''): void {
    const { store, ctx, id } = this.task;
    this.waitForResend(store.hasUnacked(id), t, (at) => {
      const doneAt = Math.max(at + ctx.scenario.sink.flushLatencyMs, store.lastAckAt(id));
      ctx.scheduler.schedule(doneAt, () =>
        this.task.whenRunning(doneAt, (now) => {
          const failed = sinks.find((sink) => sink.firstFailureAtMs <= now);
          if (failed !== undefined)
            this.fail(
              now,
              'flush-failed',
              `sink ${failed.index}: flush failed${when === '' ? '' : ` ${when}`}`,
            );
          else next(now);
        }),
      );
    });
  }

  /**
   * A flush blocks the sink task while writes are kept for resending: it returns when the writers
   * reconnected (and resent them) or gave up; then `next` continues at that time.
   */
  protected waitForResend(mustWait: boolean, t: number, next: Continuation): void {
    if (!mustWait) {
      next(t);
      return;
    }
    const task = this.task;
    task.blockingCall((done) => {
      const resume = (at: number) => {
        done(at);
        if (task.alive) next(at);
      };
      task.store.awaitResend(resume, resume);
    });
  }
}

/**
 * ATLEAST_ONCE: the same writes; at a barrier (flushAndVerify) the subtask waits until every write
 * sent so far is acknowledged, resent ones included, and fails the task on a write error.
 */
class FlushingWriter extends PlainWriter {
  override barrier(sink: SinkSubtask, checkpointId: number, t: number): void {
    this.flushAndVerify([sink], t, (now) => this.task.acknowledge(checkpointId, sink.index, null, now));
  }
}

/**
 * EXACTLY_ONCE: one Pravega transaction per subtask per checkpoint epoch. Events go into the open
 * transaction; at the barrier it is flushed (pre-commit), kept pending under the checkpoint, and
 * the next one opens; on the checkpoint's notification every pending transaction up to it is
 * committed, in order. Begin, commit and abort are controller calls that block the task while
 * they retry; one whose retries run out fails the task.
 */
export class TransactionalWriter extends PlainWriter {
  /** `withPingers`: Pravega's transactions keep leases alive; Kafka's have none (a timeout instead). */
  constructor(task: SinkTask, withPingers = true) {
    super(task, withPingers);
  }

  /** initializeState, one step after another; a step that fails the task ends it. */
  override start(t: number): void {
    const steps = this.initializeSteps();
    const run = (i: number, at: number): void => {
      const step = steps[i];
      if (step !== undefined && this.task.alive) step(at, (done) => run(i + 1, done));
    };
    run(0, t);
  }

  /**
   * initializeState (TwoPhaseCommitSinkFunction): commit every transaction pending in the restored
   * checkpoint (recoverAndCommit: a no-op when already committed), abort the one that was open at
   * snapshot time (recoverAndAbort), then open a fresh transaction per subtask.
   */
  protected initializeSteps(): InitStep[] {
    const steps: InitStep[] = [];
    for (const snapshot of this.task.restoredFrom?.sinks ?? []) {
      for (const { checkpointId, txn } of snapshot.pending)
        steps.push((at, next) => this.commitOne(txn, checkpointId, at, true, next));
      const open = snapshot.current;
      if (open !== null) steps.push((at, next) => this.recoverAndAbort(open, at, next));
    }
    for (const sink of this.sinks) steps.push((at, next) => this.beginFor(sink, at, next));
    return steps;
  }

  override write(sink: SinkSubtask, value: number, t: number): TaskFailure | null {
    invariant(sink.current !== null, 'transactional sink has no open transaction');
    this.task.store.txnWrite(sink.current, value, t);
    return null;
  }

  override get batchable(): boolean {
    return this.task.store.writersConnected;
  }

  override writeRun(channel: TripleQueue, from: number, to: number, resumeAtMs: number): void {
    this.task.store.txnWriteRun(this.sinks, channel, from, to, resumeAtMs);
  }

  /**
   * snapshotState: flush the open transaction (pre-commit), remember it as pending under this
   * checkpoint, and open the next one, so later events go into the next epoch's transaction. The
   * flush and the begin block the task while their service is unreachable; otherwise the flush's
   * latency only delays the acknowledgement.
   */
  override barrier(sink: SinkSubtask, checkpointId: number, t: number): void {
    const { store, ctx } = this.task;
    const txn = sink.current;
    invariant(txn !== null, 'pre-commit without an open transaction');
    txn.checkpointId = checkpointId;
    txn.epoch = checkpointId;
    sink.pending.push({ checkpointId, txn });
    sink.current = null;
    this.waitForResend(store.flushState(txn) === 'waiting', t, (flushedAt) =>
      this.beginFor(sink, flushedAt, (begunAt) => {
        const snapshot: SinkSnapshot = { pending: [...sink.pending], current: sink.current };
        const doneAt = Math.max(begunAt, t + ctx.scenario.sink.flushLatencyMs);
        ctx.scheduler.schedule(doneAt, () =>
          this.task.whenRunning(doneAt, (at) => this.flushed(checkpointId, sink, txn, snapshot, at)),
        );
      }),
    );
  }

  private flushed(
    checkpointId: number,
    sink: SinkSubtask,
    txn: Transaction,
    snapshot: SinkSnapshot,
    t: number,
  ): void {
    if (this.task.store.flushState(txn) !== 'done') {
      this.fail(t, 'flush-failed', `sink ${sink.index}: flush of transaction ${txn.txnId} failed`);
      return;
    }
    if (this.task.ctx.listening)
      this.task.ctx.emit({
        t,
        kind: 'txn-flushed',
        ...txnRef(txn),
        checkpointId,
        events: txn.dataCount,
        firstValue: firstData(txn.values, txn.length),
        lastValue: lastData(txn.values, txn.length),
        ...(txn.kafka !== null && txn.kafka.startedAtMs >= 0 ? { startedAtMs: txn.kafka.startedAtMs } : {}),
      });
    this.task.acknowledge(checkpointId, sink.index, snapshot, t);
  }

  /**
   * notifyCheckpointComplete: commit every pending transaction up to this checkpoint, in order.
   * A commit whose retries run out does not stop the others: TwoPhaseCommitSinkFunction tries
   * every pending transaction, then rethrows the first failure, which fails the task
   * (`firstFailure` carries it through the calls that wait).
   */
  override notify(
    sink: SinkSubtask,
    checkpointId: number,
    t: number,
    done: Continuation | null,
    firstFailure: CommitFailure | null = null,
  ): void {
    const { store, hooks } = this.task;
    for (;;) {
      const first = sink.pending[0];
      if (first === undefined || first.checkpointId > checkpointId) break;
      sink.pending.shift();
      const rejected = hooks.commitRejected(first.checkpointId, sink.index, t);
      if (!store.controller.reachable) {
        this.commitAndGoOn(sink, first, checkpointId, t, rejected, done, firstFailure);
        return;
      }
      // The hot path: the controller answers, the call returns at once.
      const thrown = store.commitReached(first.txn, first.checkpointId, t, false, rejected);
      this.recycle(first.txn);
      firstFailure ??= thrownBy(first.txn, thrown);
    }
    if (firstFailure !== null) {
      this.fail(t, firstFailure.reason, firstFailure.detail);
      return;
    }
    done?.(t);
  }

  /** One blocking commit call of notify; whether it returns or its retries run out, the next one follows. */
  private commitAndGoOn(
    sink: SinkSubtask,
    pending: { checkpointId: number; txn: Transaction },
    notifiedId: number,
    t: number,
    rejected: boolean,
    done: Continuation | null,
    firstFailure: CommitFailure | null,
  ): void {
    const { txn, checkpointId } = pending;
    const failure: CommitFailure = {
      reason: 'commit-failed',
      detail: `sink ${txn.subtask}: commit of transaction ${txn.txnId} failed: controller unreachable, retries exhausted`,
    };
    this.task.blockingCall((returned, exhausted) =>
      this.task.store.commitTxn(
        txn,
        checkpointId,
        t,
        false,
        rejected,
        (at, thrown) => {
          returned(at);
          this.recycle(txn);
          if (this.task.alive) this.notify(sink, notifiedId, at, done, firstFailure ?? thrownBy(txn, thrown));
        },
        (at) => {
          exhausted(at);
          this.recycle(txn);
          if (this.task.alive) this.notify(sink, notifiedId, at, done, firstFailure ?? failure);
        },
      ),
    );
  }

  /**
   * close() (FlinkPravegaWriter.close): the open transaction is aborted (a controller call, which
   * retries), then the writer, and its Pinger, close. Pre-committed transactions are left alone.
   */
  /** Its writes went into transactions: close() only aborts the open one (no flushAndVerify). */
  override verifyBeforeClose(t: number, next: Continuation): void {
    next(t);
  }

  override close(t: number, why: 'task-closed' | 'end-of-input'): void {
    for (const sink of this.sinks) {
      const txn = sink.current;
      const closed = () => sink.pinger?.close();
      if (txn === null) {
        closed();
        continue;
      }
      this.task.store.abortTxn(txn, t, why, closed, closed);
    }
  }

  override kill(): void {
    for (const sink of this.sinks) sink.pinger?.close();
  }

  override writerBroken(): void {}

  override thaw(t: number): void {
    for (const sink of this.sinks) sink.pinger?.thaw(t);
  }

  /** A commit returned, or its retries ran out (Kafka's pool takes its transactional id back). */
  protected recycle(_txn: Transaction): void {}

  /** Opens the subtask's next transaction (a blocking controller call), then continues. */
  protected beginFor(sink: SinkSubtask, t: number, next: Continuation): void {
    const { store, hooks, id } = this.task;
    if (store.answersNow) {
      sink.current = store.createTxn(sink.index, id, hooks.nextCheckpointId(), sink.pinger!, t);
      next(t);
      return;
    }
    this.task.blockingCall((done, exhausted) =>
      store.beginTxn(
        sink.index,
        id,
        hooks.nextCheckpointId(),
        sink.pinger!,
        t,
        (txn, at) => {
          done(at);
          if (!this.task.alive) {
            // The task was cancelled while it waited: closing its writer aborts what it just got.
            store.abortTxn(txn, at, 'task-closed', noop, noop);
            return;
          }
          sink.current = txn;
          next(at);
        },
        (at) => {
          exhausted(at);
          this.fail(
            at,
            'txn-begin-failed',
            `sink ${sink.index}: cannot begin a transaction: controller unreachable, retries exhausted`,
          );
        },
      ),
    );
  }

  /** One commit call (blocking); when its retries run out the exception escapes and the task fails. */
  protected commitOne(
    txn: Transaction,
    checkpointId: number,
    t: number,
    recovery: boolean,
    next: Continuation,
    rejected = this.task.hooks.commitRejected(checkpointId, txn.subtask, t),
  ): void {
    this.callOrFail(
      (returned, exhausted) =>
        this.task.store.commitTxn(txn, checkpointId, t, recovery, rejected, (at) => returned(at), exhausted),
      next,
      'commit-failed',
      `sink ${txn.subtask}: commit of transaction ${txn.txnId} failed`,
    );
  }

  /** recoverAndAbort on restore: a blocking abort; when its retries run out the task fails. */
  protected recoverAndAbort(txn: Transaction, t: number, next: Continuation): void {
    this.callOrFail(
      (returned, exhausted) => this.task.store.abortTxn(txn, t, 'restore', returned, exhausted),
      next,
      'abort-failed',
      `sink ${txn.subtask}: abort of transaction ${txn.txnId} failed`,
    );
  }

  /**
   * A blocking controller call: `next` runs once it returned (if the task still runs); when its
   * retries run out the exception escapes and the task fails.
   */
  protected callOrFail(
    call: (returned: Continuation, exhausted: Continuation) => void,
    next: Continuation,
    reason: TaskFailureReason,
    what: string,
  ): void {
    this.task.blockingCall((done, exhausted) =>
      call(
        (at) => {
          done(at);
          if (this.task.alive) next(at);
        },
        (at) => {
          exhausted(at);
          this.fail(at, reason, `${what}: controller unreachable, retries exhausted`);
        },
      ),
    );
  }
}
