import type { Checker } from './checker';
import { END_MARKER, invariant, type SimContext, START_MARKER } from './context';
import type { TaskFailureReason } from './events';
import { Counter } from './metrics';
import type { Continuation } from './retry';
import { TripleQueue } from './ring';
import { Pinger, type StreamStore, type Transaction, txnRef } from './store';

/**
 * One attempt of the sample's Flink job: the throttled integer source with the failing mapper
 * chained to it (parallelism 1), a network channel, and the Pravega writer sink (parallelism p).
 * A failover replaces the attempt with a new one restored from the latest completed checkpoint.
 *
 * Data events are processed in `runUntil`, a tight loop over typed arrays between two timers.
 * Everything the attempt tells the checkpoint coordinator goes through timers, so the coordinator
 * never runs in the middle of that loop.
 */

/** What a transactional sink subtask saves in a checkpoint (Flink's TwoPhaseCommitSinkFunction state). */
export interface SinkSnapshot {
  pending: { checkpointId: number; txn: Transaction }[];
  current: Transaction | null;
}

export interface CompletedCheckpoint {
  id: number;
  position: number;
  /** One entry per sink subtask in EXACTLY_ONCE; empty in the other modes (their sinks keep no state). */
  sinks: SinkSnapshot[];
  completedAtMs: number;
}

export interface TaskFailure {
  t: number;
  reason: TaskFailureReason;
  /** The element the sample's mapper threw at, for its artificial exception. */
  element?: number;
  detail: string;
}

/** How the attempt reaches the rest of the system; implemented by the simulation. */
export interface AttemptHooks {
  /** The id the coordinator gives its next checkpoint: a new transaction's epoch. */
  nextCheckpointId(): number;
  /** Whether the store answers the commit of this checkpoint's transaction with TxnFailedException. */
  commitRejected(checkpointId: number, subtask: number, t: number): boolean;
  /** `task` is the sink subtask's index (the source acknowledges to the coordinator directly). */
  acknowledge(
    attempt: Attempt,
    checkpointId: number,
    task: number,
    sink: SinkSnapshot | null,
    t: number,
  ): void;
  fail(attempt: Attempt, failure: TaskFailure): void;
  sourceFinished(attempt: Attempt, t: number): void;
}

class SinkSubtask {
  current: Transaction | null = null;
  pending: { checkpointId: number; txn: Transaction }[] = [];
  /** Earliest time a failed plain write's error comes back to this writer. */
  firstFailureAtMs = Number.POSITIVE_INFINITY;
  constructor(
    readonly index: number,
    /** The transactional writer's lease pinger (EXACTLY_ONCE only). */
    readonly pinger: Pinger | null,
  ) {}
}

interface Barrier {
  checkpointId: number;
  arrivalMs: number;
  /** Number of elements pushed into the channel before the barrier. */
  afterSeq: number;
}

export class Attempt {
  alive = true;
  /** A zombie keeps running after the job failed over, outside the coordinator's reach. */
  zombie = false;
  /** Declared lost by the coordinator (heartbeat timeout) while frozen: it cancels itself when it thaws. */
  lost = false;
  /** Frozen by a job pause: nothing runs, not even lease pings. */
  private frozen = false;
  /** Client calls the task threads wait on (a controller outage): processing stalls, pings go on. */
  private blockedCalls = 0;
  private resumeAtMs = 0;
  private deferred: ((t: number) => void)[] = [];

  // Source state (the sample's ThrottledIntegerEventProducer).
  position: number;
  private confirmedId: number;
  private lastTriggeredId: number;
  private checkpointPosition = -1;
  private startMarkerPending: boolean;
  private endEmitted = false;
  /** The checkpoint id the source waits to see confirmed after its end marker. */
  private finalTargetId = 0;
  private sourceDone = false;
  private nextEmitAtMs: number;
  // The failing mapper's count of elements in this attempt, start marker included.
  private elementsSeen = 0;
  private nextChannel: number;

  private readonly channel = new TripleQueue(256);
  private readonly barriers: Barrier[] = [];
  private readonly sinks: SinkSubtask[];
  private readonly p: number;
  // Scenario values read once per data event, cached for the hot loop.
  private readonly numEvents: number;
  private readonly travelMs: number;
  private readonly eventIntervalMs: number;
  private readonly transactional: boolean;

  constructor(
    readonly id: number,
    readonly restoredFrom: CompletedCheckpoint | null,
    startMs: number,
    /** The element count at which the mapper throws, or 0; the sample never fails a restored attempt. */
    private readonly failAtElement: number,
    firstChannel: number,
    private readonly ctx: SimContext,
    private readonly store: StreamStore,
    private readonly checker: Checker,
    private readonly hooks: AttemptHooks,
  ) {
    this.p = ctx.scenario.sink.parallelism;
    this.numEvents = ctx.scenario.numEvents;
    this.travelMs = ctx.scenario.checkpoint.barrierTravelMs;
    this.eventIntervalMs = ctx.scenario.source.eventIntervalMs;
    this.transactional = ctx.scenario.mode === 'EXACTLY_ONCE';
    this.sinks = Array.from(
      { length: this.p },
      (_, i) => new SinkSubtask(i, this.transactional ? new Pinger(store, () => this.frozen) : null),
    );
    this.position = restoredFrom?.position ?? -1;
    this.checkpointPosition = this.position;
    // The sample's initializeState hard-codes both to 1 on restore ("at least one checkpoint must
    // have happened so far"), so a restored attempt may wait for fewer final checkpoints.
    this.confirmedId = restoredFrom === null ? 0 : 1;
    this.lastTriggeredId = restoredFrom === null ? 0 : 1;
    this.startMarkerPending = restoredFrom === null;
    this.nextEmitAtMs = startMs;
    this.nextChannel = firstChannel;
  }

  get restored(): boolean {
    return this.restoredFrom !== null;
  }

  get isFrozen(): boolean {
    return this.frozen;
  }

  get finished(): boolean {
    return this.sourceDone;
  }

  /**
   * Flink's initializeState for the sink (TwoPhaseCommitSinkFunction): commit every transaction
   * pending in the restored checkpoint (recoverAndCommit: a no-op when already committed), abort the
   * one that was open at snapshot time (recoverAndAbort), then open a fresh transaction per subtask.
   * Each is a blocking controller call; one whose retries run out fails the task.
   */
  start(t: number): void {
    if (!this.transactional) return;
    const steps: ((at: number, next: Continuation) => void)[] = [];
    for (const snapshot of this.restoredFrom?.sinks ?? []) {
      for (const { checkpointId, txn } of snapshot.pending)
        steps.push((at, next) => this.commitOne(txn, checkpointId, at, true, next));
      const open = snapshot.current;
      if (open !== null) steps.push((at, next) => this.recoverAndAbort(open, at, next));
    }
    for (const sink of this.sinks) steps.push((at, next) => this.beginFor(sink, at, next));
    const run = (i: number, at: number): void => {
      const step = steps[i];
      if (step !== undefined && this.alive) step(at, (done) => run(i + 1, done));
    };
    run(0, t);
  }

  /** Runs the data plane (source, mapper, channel, sink writes) up to and including time `untilMs`. */
  runUntil(untilMs: number): TaskFailure | null {
    if (!this.alive || this.frozen || this.blockedCalls > 0) return null;
    let until = untilMs;
    const channel = this.channel;
    for (;;) {
      const barrier = this.barriers[0];
      const barrierNext = barrier !== undefined && barrier.afterSeq === channel.popped;
      const arrival = barrierNext ? barrier.arrivalMs : channel.headTime();
      const emitAt = this.nextEmitAtMs;
      if (arrival <= emitAt) {
        const at = Math.max(arrival, this.resumeAtMs);
        if (at > until) return null;
        if (barrierNext) {
          this.barriers.shift();
          this.onBarrier(barrier.checkpointId, at);
          // The barrier may have started a blocking call (a flush or a begin that must wait).
          if (this.blockedCalls > 0 || !this.alive) return null;
          // The barrier may have scheduled timers (acks, flushes) that must run first.
          until = Math.min(until, this.ctx.scheduler.peekTime());
          continue;
        }
        const value = channel.headValue();
        const subtask = channel.headTag();
        channel.shift();
        const failure = this.sinkWrite(this.sinks[subtask]!, value, at);
        if (failure !== null) return failure;
      } else {
        if (emitAt > until) return null;
        const failure = this.emit(emitAt);
        if (failure !== null) return failure;
      }
    }
  }

  // ---- source and mapper ----

  private emit(t: number): TaskFailure | null {
    const n = this.numEvents;
    let value: number;
    if (this.startMarkerPending) {
      value = START_MARKER;
      this.startMarkerPending = false;
    } else if (this.position < n) {
      value = Math.max(this.position, 0) + 1;
      this.position = value;
    } else {
      value = END_MARKER;
      this.endEmitted = true;
      // The sample captures the last triggered checkpoint once, then waits for more to complete.
      this.finalTargetId = this.lastTriggeredId + this.ctx.scenario.source.finalCheckpoints;
    }
    this.elementsSeen++;
    if (value > 0) {
      this.checker.emitted(value, t);
      this.ctx.metrics.count(Counter.emitted, t, 1);
    } else {
      this.ctx.emit({
        t,
        kind: 'marker-emitted',
        marker: value === START_MARKER ? 'start' : 'end',
        attempt: this.id,
      });
    }
    if (this.elementsSeen === this.failAtElement) {
      return {
        t,
        reason: 'artificial-exception',
        element: this.elementsSeen,
        detail: `Artificial failure at position ${this.elementsSeen}`,
      };
    }
    this.channel.push(value, t + this.travelMs, this.nextChannel);
    // Flink's rebalance partitioner: round robin over the sink subtasks.
    this.nextChannel = this.nextChannel + 1 === this.p ? 0 : this.nextChannel + 1;
    this.nextEmitAtMs = this.nextEmitTime(t);
    return null;
  }

  /** The sample's throttle: 5 ms per event until a checkpoint is confirmed, blocking at floor(N/3). */
  private nextEmitTime(t: number): number {
    const source = this.ctx.scenario.source;
    if (this.endEmitted) {
      this.checkFinalCheckpoints(t);
      return Number.POSITIVE_INFINITY;
    }
    if (this.position >= this.numEvents) return t;
    if (this.confirmedId >= 1) return t + this.eventIntervalMs;
    const current = Math.max(this.position, 0);
    if (current < source.throttleUntilPosition || !source.waitForFirstCheckpoint)
      return t + source.throttleIntervalMs;
    return Number.POSITIVE_INFINITY;
  }

  /** The source's snapshotState: its state is its position. */
  snapshotSource(checkpointId: number, t: number): number {
    this.lastTriggeredId = checkpointId;
    this.checkpointPosition = this.position;
    this.ctx.console('writer', `Start checkpointing at position ${this.position}`, t);
    this.barriers.push({
      checkpointId,
      arrivalMs: t + this.ctx.scenario.checkpoint.barrierTravelMs,
      afterSeq: this.channel.pushed,
    });
    return this.position;
  }

  /** The source's notifyCheckpointComplete: confirms only after a real checkpoint (position > -1). */
  notifySource(checkpointId: number, t: number): void {
    if (this.checkpointPosition > -1) {
      this.confirmedId = checkpointId;
      this.ctx.console('writer', `Complete checkpointing at position ${this.checkpointPosition}`, t);
      if (this.nextEmitAtMs === Number.POSITIVE_INFINITY && !this.endEmitted) this.nextEmitAtMs = t;
    }
    if (this.endEmitted) this.checkFinalCheckpoints(t);
  }

  /** After the end marker the source waits for `finalCheckpoints` more completed checkpoints. */
  private checkFinalCheckpoints(t: number): void {
    if (this.sourceDone) return;
    if (this.confirmedId >= this.finalTargetId) {
      this.sourceDone = true;
      this.hooks.sourceFinished(this, t);
    }
  }

  // ---- sink ----

  private sinkWrite(sink: SinkSubtask, value: number, t: number): TaskFailure | null {
    if (this.transactional) {
      invariant(sink.current !== null, 'transactional sink has no open transaction');
      this.store.txnWrite(sink.current, value, t);
      return null;
    }
    // The connector checks for an asynchronous write error before each new event.
    if (sink.firstFailureAtMs <= t) {
      return { t, reason: 'write-error', detail: `sink ${sink.index}: an earlier write failed` };
    }
    this.store.plainWrite(this.id, value, t);
    return null;
  }

  /**
   * The writers' reconnect retries ran out with writes unacknowledged: each plain writer records the
   * error, which fails the task at its next event or flush (FlinkPravegaWriter.checkWriteError).
   */
  writerBroken(writes: number, t: number): void {
    if (this.transactional) return;
    for (const sink of this.sinks) {
      if (sink.firstFailureAtMs !== Number.POSITIVE_INFINITY) continue;
      sink.firstFailureAtMs = t;
      this.ctx.emit({ t, kind: 'write-failed', attempt: this.id, subtask: sink.index, writes });
    }
  }

  private onBarrier(checkpointId: number, t: number): void {
    const mode = this.ctx.scenario.mode;
    for (const sink of this.sinks) {
      if (mode === 'BEST_EFFORT') this.acknowledgeLater(checkpointId, sink, null, t);
      else if (mode === 'ATLEAST_ONCE') this.flushPlainWrites(checkpointId, sink, t);
      else this.preCommit(checkpointId, sink, t);
    }
  }

  private acknowledgeLater(
    checkpointId: number,
    sink: SinkSubtask,
    snapshot: SinkSnapshot | null,
    t: number,
  ): void {
    this.ctx.scheduler.schedule(t, () =>
      this.whenRunning(t, (at) => this.hooks.acknowledge(this, checkpointId, sink.index, snapshot, at)),
    );
  }

  /**
   * ATLEAST_ONCE (flushAndVerify): wait until every write sent so far is acknowledged; a write error
   * fails the task. While the writers are reconnecting the sink task blocks in the flush.
   */
  private flushPlainWrites(checkpointId: number, sink: SinkSubtask, t: number): void {
    this.waitForResend(
      () => this.store.hasUnacked(this.id),
      t,
      (at) => {
        const doneAt = Math.max(at + this.ctx.scenario.sink.flushLatencyMs, this.store.lastAckAt(this.id));
        this.ctx.scheduler.schedule(doneAt, () =>
          this.whenRunning(doneAt, (now) => {
            if (sink.firstFailureAtMs <= now) {
              this.hooks.fail(this, {
                t: now,
                reason: 'flush-failed',
                detail: `sink ${sink.index}: flush failed`,
              });
              return;
            }
            this.hooks.acknowledge(this, checkpointId, sink.index, null, now);
          }),
        );
      },
    );
  }

  /**
   * A flush blocks the sink task while it has writes kept for resending: it returns when the
   * writers reconnected (and resent them) or gave up; then `next` continues at that time.
   */
  private waitForResend(mustWait: () => boolean, t: number, next: Continuation): void {
    if (!mustWait()) {
      next(t);
      return;
    }
    this.blockingCall((done) =>
      this.store.awaitResend(
        (at) => {
          done(at);
          if (this.alive) next(at);
        },
        (at) => {
          done(at);
          if (this.alive) next(at);
        },
      ),
    );
  }

  /**
   * EXACTLY_ONCE (snapshotState): flush the open transaction (pre-commit), remember it as pending
   * under this checkpoint, and open the next one, so later events go into the next epoch's
   * transaction. The flush and the begin block the sink task while their service is unreachable;
   * otherwise the flush's latency only delays the acknowledgement.
   */
  private preCommit(checkpointId: number, sink: SinkSubtask, t: number): void {
    const txn = sink.current;
    invariant(txn !== null, 'pre-commit without an open transaction');
    txn.checkpointId = checkpointId;
    txn.epoch = checkpointId;
    sink.pending.push({ checkpointId, txn });
    sink.current = null;
    this.waitForResend(
      () => this.store.flushState(txn) === 'waiting',
      t,
      (flushedAt) =>
        this.beginFor(sink, flushedAt, (begunAt) => {
          const snapshot: SinkSnapshot = { pending: [...sink.pending], current: sink.current };
          const doneAt = Math.max(begunAt, t + this.ctx.scenario.sink.flushLatencyMs);
          this.ctx.scheduler.schedule(doneAt, () =>
            this.whenRunning(doneAt, (at) => this.txnFlushed(checkpointId, sink, txn, snapshot, at)),
          );
        }),
    );
  }

  private txnFlushed(
    checkpointId: number,
    sink: SinkSubtask,
    txn: Transaction,
    snapshot: SinkSnapshot,
    t: number,
  ): void {
    if (this.store.flushState(txn) !== 'done') {
      const detail = `sink ${sink.index}: flush of transaction ${txn.txnId} failed`;
      this.hooks.fail(this, { t, reason: 'flush-failed', detail });
      return;
    }
    this.ctx.emit({
      t,
      kind: 'txn-flushed',
      ...txnRef(txn),
      checkpointId,
      events: txn.dataCount,
    });
    this.hooks.acknowledge(this, checkpointId, sink.index, snapshot, t);
  }

  /** Opens the subtask's next transaction (a blocking controller call), then continues. */
  private beginFor(sink: SinkSubtask, t: number, next: Continuation): void {
    if (this.store.answersNow) {
      sink.current = this.store.createTxn(
        sink.index,
        this.id,
        this.hooks.nextCheckpointId(),
        sink.pinger!,
        t,
      );
      next(t);
      return;
    }
    this.blockingCall((done, exhausted) =>
      this.store.beginTxn(
        sink.index,
        this.id,
        this.hooks.nextCheckpointId(),
        sink.pinger!,
        t,
        (txn, at) => {
          done(at);
          if (!this.alive) {
            // The task was cancelled while it waited: closing its writer aborts what it just got.
            this.store.abortTxn(txn, at, 'task-closed', noop, noop);
            return;
          }
          sink.current = txn;
          next(at);
        },
        (at) => {
          exhausted(at);
          this.hooks.fail(this, {
            t: at,
            reason: 'txn-begin-failed',
            detail: `sink ${sink.index}: cannot begin a transaction: controller unreachable, retries exhausted`,
          });
        },
      ),
    );
  }

  /**
   * The sink's notifyCheckpointComplete: commit every pending transaction up to this checkpoint, in
   * order; `done` runs once the commit calls returned.
   */
  notifySink(subtask: number, checkpointId: number, t: number, done: Continuation | null): void {
    const sink = this.sinks[subtask];
    invariant(sink !== undefined, `no sink subtask ${subtask}`);
    for (;;) {
      const first = sink.pending[0];
      if (first === undefined || first.checkpointId > checkpointId) break;
      sink.pending.shift();
      const rejected = this.hooks.commitRejected(first.checkpointId, subtask, t);
      if (!this.store.controller.reachable) {
        this.commitOne(
          first.txn,
          first.checkpointId,
          t,
          false,
          (at) => this.notifySink(subtask, checkpointId, at, done),
          rejected,
        );
        return;
      }
      this.store.commitReached(first.txn, first.checkpointId, t, false, rejected);
    }
    done?.(t);
  }

  /** One commit call (blocking); when its retries run out the exception escapes and the task fails. */
  private commitOne(
    txn: Transaction,
    checkpointId: number,
    t: number,
    recovery: boolean,
    next: Continuation,
    rejected = this.hooks.commitRejected(checkpointId, txn.subtask, t),
  ): void {
    this.blockingCall((done, exhausted) =>
      this.store.commitTxn(
        txn,
        checkpointId,
        t,
        recovery,
        rejected,
        (at) => {
          done(at);
          if (this.alive) next(at);
        },
        (at) => {
          exhausted(at);
          this.hooks.fail(this, {
            t: at,
            reason: 'commit-failed',
            detail: `sink ${txn.subtask}: commit of transaction ${txn.txnId} failed: controller unreachable, retries exhausted`,
          });
        },
      ),
    );
  }

  /** recoverAndAbort on restore: a blocking abort; when its retries run out the task fails. */
  private recoverAndAbort(txn: Transaction, t: number, next: Continuation): void {
    this.blockingCall((done, exhausted) =>
      this.store.abortTxn(
        txn,
        t,
        'restore',
        (at) => {
          done(at);
          if (this.alive) next(at);
        },
        (at) => {
          exhausted(at);
          this.hooks.fail(this, {
            t: at,
            reason: 'abort-failed',
            detail: `sink ${txn.subtask}: abort of transaction ${txn.txnId} failed: controller unreachable, retries exhausted`,
          });
        },
      ),
    );
  }

  /**
   * A client call made on a task thread: processing stalls until it returns. `call` gets the two
   * ways it can end; when the call returns at once the stall lasts no time at all.
   */
  private blockingCall(call: (done: Continuation, exhausted: Continuation) => void): void {
    this.blockedCalls++;
    let ended = false;
    const end = (at: number) => {
      if (ended) return;
      ended = true;
      this.unblock(at);
    };
    call(end, end);
  }

  private unblock(t: number): void {
    this.blockedCalls--;
    invariant(this.blockedCalls >= 0, 'more calls returned than were made');
    if (this.blockedCalls === 0 && !this.frozen) this.resume(t);
  }

  // ---- lifecycle ----

  /**
   * Runs a task-side action at time t, or once the attempt runs again (after a pause or a blocking
   * call); drops it once the attempt is gone (a cancelled task does nothing more).
   */
  whenRunning(t: number, action: (t: number) => void): void {
    if (!this.alive) return;
    if (this.frozen || this.blockedCalls > 0) this.deferred.push(action);
    else action(t);
  }

  freeze(): void {
    this.frozen = true;
  }

  unfreeze(t: number): void {
    if (!this.frozen) return;
    this.frozen = false;
    for (const sink of this.sinks) sink.pinger?.thaw(t);
    if (this.blockedCalls === 0) this.resume(t);
  }

  private resume(t: number): void {
    if (t > this.resumeAtMs) this.resumeAtMs = t;
    if (this.nextEmitAtMs < t) this.nextEmitAtMs = t;
    const actions = this.deferred;
    this.deferred = [];
    for (const action of actions) this.whenRunning(t, action);
  }

  /**
   * A failed or finished task closes its sink (FlinkPravegaWriter.close): the open transaction is
   * aborted (a controller call that is retried, while the writer keeps pinging it), then the
   * writer, and its Pinger, close. In-channel events are lost.
   */
  cancel(t: number, why: 'task-closed' | 'end-of-input' = 'task-closed'): void {
    this.stop(false);
    for (const sink of this.sinks) {
      const txn = sink.current;
      const pinger = sink.pinger;
      if (txn === null) {
        pinger?.close();
        continue;
      }
      const close = () => pinger?.close();
      this.store.abortTxn(txn, t, why, close, close);
    }
  }

  /** Normal end of the job: the sinks close, which aborts the (empty) open transactions. */
  finish(t: number): void {
    this.cancel(t, 'end-of-input');
  }

  /**
   * The attempt stops processing. `hard`: its process dies (a zombie's end), nothing is closed
   * cleanly, its Pingers stop and open transactions wait for their lease to run out.
   */
  stop(hard = true): void {
    this.alive = false;
    this.frozen = false;
    this.deferred = [];
    this.channel.clear();
    this.barriers.length = 0;
    this.store.retireAttempt(this.id);
    if (hard) for (const sink of this.sinks) sink.pinger?.close();
  }

  /** True when every emitted element has been processed by the sinks. */
  get channelEmpty(): boolean {
    return this.channel.length === 0 && this.barriers.length === 0;
  }

  /** The time the last element in the channel reaches the sinks. */
  get channelDrainedAtMs(): number {
    return Math.max(this.channel.tailTime(), this.barriers.at(-1)?.arrivalMs ?? Number.NEGATIVE_INFINITY);
  }
}

function noop(): void {}
