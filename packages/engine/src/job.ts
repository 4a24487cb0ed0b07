import type { Checker } from './checker';
import { END_MARKER, invariant, type SimContext, START_MARKER } from './context';
import type { TaskFailureReason } from './events';
import { Counter } from './metrics';
import { TripleQueue } from './ring';
import type { StreamStore, Transaction } from './store';

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
  detail: string;
}

/** How the attempt reaches the rest of the system; implemented by the simulation. */
export interface AttemptHooks {
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
  constructor(readonly index: number) {}
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
  private frozen = false;
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
    this.sinks = Array.from({ length: this.p }, (_, i) => new SinkSubtask(i));
    this.position = restoredFrom?.position ?? -1;
    this.confirmedId = restoredFrom === null ? 0 : restoredFrom.id;
    this.lastTriggeredId = restoredFrom === null ? 0 : restoredFrom.id;
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

  /** Able to renew transaction leases: alive and not frozen. */
  get renewing(): boolean {
    return this.alive && !this.frozen;
  }

  get finished(): boolean {
    return this.sourceDone;
  }

  /**
   * Flink's initializeState for the sink: commit every transaction pending in the restored
   * checkpoint (a no-op when already committed), abort the one that was open at snapshot time,
   * then open a fresh transaction per subtask. Returns a failure when the controller is down.
   */
  start(t: number): TaskFailure | null {
    if (this.ctx.scenario.mode !== 'EXACTLY_ONCE') return null;
    const restored = this.restoredFrom?.sinks ?? [];
    for (const snapshot of restored) {
      for (const { checkpointId, txn } of snapshot.pending) this.store.commitTxn(txn, checkpointId, t, true);
      if (snapshot.current !== null) this.store.abortTxn(snapshot.current, t, 'restore');
    }
    for (const sink of this.sinks) {
      const txn = this.store.beginTxn(sink.index, this.id, t);
      if (txn === null)
        return {
          t,
          reason: 'txn-begin-failed',
          detail: 'cannot begin a transaction: controller unreachable',
        };
      sink.current = txn;
    }
    return null;
  }

  /** Runs the data plane (source, mapper, channel, sink writes) up to and including time `untilMs`. */
  runUntil(untilMs: number): TaskFailure | null {
    if (!this.alive || this.frozen) return null;
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
          const failure = this.onBarrier(barrier.checkpointId, at);
          if (failure !== null) return failure;
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
    const ack = this.store.plainWrite(this.id, value, t);
    if (ack < 0) this.noteWriteFailure(sink, value, -ack, t);
    return null;
  }

  private noteWriteFailure(sink: SinkSubtask, value: number, errorAt: number, t: number): void {
    this.ctx.metrics.extra.writeFailures++;
    if (sink.firstFailureAtMs === Number.POSITIVE_INFINITY) {
      this.ctx.emit({ t, kind: 'write-failed', attempt: this.id, subtask: sink.index, value });
    }
    sink.firstFailureAtMs = Math.min(sink.firstFailureAtMs, errorAt);
  }

  private onBarrier(checkpointId: number, t: number): TaskFailure | null {
    const mode = this.ctx.scenario.mode;
    for (const sink of this.sinks) {
      if (mode === 'BEST_EFFORT') {
        this.acknowledgeLater(checkpointId, sink, null, t);
      } else if (mode === 'ATLEAST_ONCE') {
        this.flushPlainWrites(checkpointId, sink, t);
      } else {
        const failure = this.preCommit(checkpointId, sink, t);
        if (failure !== null) return failure;
      }
    }
    return null;
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

  /** ATLEAST_ONCE: wait until every write sent so far is acknowledged; any write error fails the checkpoint. */
  private flushPlainWrites(checkpointId: number, sink: SinkSubtask, t: number): void {
    const doneAt = Math.max(t + this.ctx.scenario.sink.flushLatencyMs, this.store.lastAckAt(this.id));
    this.ctx.scheduler.schedule(doneAt, () =>
      this.whenRunning(doneAt, (at) => {
        if (sink.firstFailureAtMs <= at || !this.store.storeUp) {
          this.hooks.fail(this, {
            t: at,
            reason: 'flush-failed',
            detail: `sink ${sink.index}: flush failed`,
          });
          return;
        }
        this.hooks.acknowledge(this, checkpointId, sink.index, null, at);
      }),
    );
  }

  /**
   * EXACTLY_ONCE: flush the open transaction (pre-commit), remember it as pending under this
   * checkpoint and open the next one, so later events go into the next epoch's transaction.
   */
  private preCommit(checkpointId: number, sink: SinkSubtask, t: number): TaskFailure | null {
    const txn = sink.current;
    invariant(txn !== null, 'pre-commit without an open transaction');
    txn.checkpointId = checkpointId;
    sink.pending.push({ checkpointId, txn });
    const next = this.store.beginTxn(sink.index, this.id, t);
    if (next === null) {
      return {
        t,
        reason: 'txn-begin-failed',
        detail: `sink ${sink.index}: cannot begin a transaction: controller unreachable`,
      };
    }
    sink.current = next;
    const snapshot: SinkSnapshot = { pending: [...sink.pending], current: next };
    const doneAt = t + this.ctx.scenario.sink.flushLatencyMs;
    this.ctx.scheduler.schedule(doneAt, () =>
      this.whenRunning(doneAt, (at) => {
        if (!this.store.flushSucceeds(txn)) {
          const detail = `sink ${sink.index}: flush of transaction ${txn.txnId} failed`;
          this.hooks.fail(this, { t: at, reason: 'flush-failed', detail });
          return;
        }
        this.ctx.emit({
          t: at,
          kind: 'txn-flushed',
          txnId: txn.txnId,
          subtask: txn.subtask,
          attempt: txn.attempt,
          checkpointId,
          events: txn.dataCount,
        });
        this.hooks.acknowledge(this, checkpointId, sink.index, snapshot, at);
      }),
    );
    return null;
  }

  /** The sink's notifyCheckpointComplete: commit every pending transaction up to this checkpoint, in order. */
  notifySink(subtask: number, checkpointId: number, t: number): void {
    const sink = this.sinks[subtask];
    invariant(sink !== undefined, `no sink subtask ${subtask}`);
    while (sink.pending.length > 0 && sink.pending[0]!.checkpointId <= checkpointId) {
      const { checkpointId: id, txn } = sink.pending.shift()!;
      this.store.commitTxn(txn, id, t, false);
    }
  }

  // ---- lifecycle ----

  /**
   * Runs a task-side action at time t, or at the time the frozen job resumes; drops it once the
   * attempt is gone (a cancelled task does nothing more).
   */
  whenRunning(t: number, action: (t: number) => void): void {
    if (!this.alive) return;
    if (this.frozen) this.deferred.push(action);
    else action(t);
  }

  freeze(): void {
    this.frozen = true;
  }

  unfreeze(t: number): void {
    if (!this.frozen) return;
    this.frozen = false;
    this.resumeAtMs = t;
    if (this.nextEmitAtMs < t) this.nextEmitAtMs = t;
    const actions = this.deferred;
    this.deferred = [];
    for (const action of actions) this.whenRunning(t, action);
  }

  /** A failed task is cancelled: in-channel events are lost, each sink aborts its open transaction. */
  cancel(t: number): void {
    this.stop();
    for (const sink of this.sinks)
      if (sink.current !== null) this.store.abortTxn(sink.current, t, 'task-closed');
  }

  /** Normal end of the job: the sinks close, which aborts the (empty) open transactions. */
  finish(t: number): void {
    this.cancel(t);
  }

  /** A zombie's process dies: nothing is closed cleanly, open transactions wait for their lease to run out. */
  stop(): void {
    this.alive = false;
    this.frozen = false;
    this.deferred = [];
    this.channel.clear();
    this.barriers.length = 0;
    this.store.retireAttempt(this.id);
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
