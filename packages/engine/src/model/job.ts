import { invariant, type SimContext, START_MARKER } from '../kernel/context';
import { TripleQueue } from '../kernel/ring';
import type { ValueTracer } from '../kernel/value-tracer';
import { Counter } from '../run/metrics';
import type { Checker } from './checker';
import { taskName } from './names';
import type { Continuation } from './retry';
import { sinkWriterFor } from './sink-writer-for';
import type { SinkTask, SinkWriter } from './sink-writers';
import { SampleSource } from './source';
import type { StreamStore } from './stream-store';
import type { CompletedCheckpoint, SinkHooks, SinkSnapshot, TaskFailure } from './task';

/**
 * One attempt of the sample's Flink job: the throttled integer source with the failing mapper
 * chained to it (parallelism 1), a network channel, and the Pravega writer sink (parallelism p).
 * A failover replaces the attempt with a new one restored from the latest completed checkpoint.
 *
 * Data events are processed in `runUntil`, a tight loop over typed arrays between two timers.
 * Everything the attempt tells the checkpoint coordinator goes through timers, so the coordinator
 * never runs in the middle of that loop.
 */

/** How the attempt reaches the rest of the system; implemented by the simulation. */
export interface AttemptHooks extends SinkHooks {
  /** `task` is the sink subtask's index (the source acknowledges to the coordinator directly). */
  acknowledge(
    attempt: Attempt,
    checkpointId: number,
    task: number,
    sink: SinkSnapshot | null,
    t: number,
  ): void;
  fail(attempt: Attempt, failure: TaskFailure): void;
  /** A subtask's snapshotState threw: it declines the checkpoint (`why` is the exception). */
  decline(attempt: Attempt, checkpointId: number, t: number, why: string): void;
  sourceFinished(attempt: Attempt, t: number): void;
}

interface Barrier {
  checkpointId: number;
  arrivalMs: number;
  /** Number of elements pushed into the channel before the barrier. */
  afterSeq: number;
}

export class Attempt implements SinkTask {
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

  /** The sample's ThrottledIntegerEventProducer: its position, markers, throttle and checkpoints. */
  private readonly source: SampleSource;
  private sourceDone = false;
  private nextEmitAtMs: number;
  // The failing mapper's count of elements in this attempt, start marker included.
  private elementsSeen = 0;
  /** The last data value pushed into the channel (0: none yet): with the channel's head, what the sinks were handed. */
  private lastPushed = 0;
  private nextChannel: number;

  private readonly channel = new TripleQueue(64);
  private readonly barriers: Barrier[] = [];
  /** The sink's subtasks, in the writer mode chosen once for the run. */
  private readonly writer: SinkWriter;
  private readonly p: number;
  // Scenario values read once per data event, cached for the hot loop.
  private readonly travelMs: number;
  /** Follows a few values (a replay for "Find a value"); null otherwise, checked once per batch. */
  private readonly tracer: ValueTracer | null;

  constructor(
    readonly id: number,
    readonly restoredFrom: CompletedCheckpoint | null,
    startMs: number,
    /** The element count at which the mapper throws, or 0; the sample never fails a restored attempt. */
    private readonly failAtElement: number,
    firstChannel: number,
    readonly ctx: SimContext,
    readonly store: StreamStore,
    private readonly checker: Checker,
    readonly hooks: AttemptHooks,
  ) {
    this.p = ctx.scenario.sink.parallelism;
    this.travelMs = ctx.scenario.checkpoint.barrierTravelMs;
    this.tracer = ctx.tracer;
    this.writer = sinkWriterFor(ctx.scenario, this);
    // A restored attempt may wait for fewer final checkpoints: the sample's initializeState
    // hard-codes its checkpoint ids to 1 (SampleSource).
    this.source = new SampleSource(ctx.scenario, restoredFrom?.position ?? null);
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
   * Runs the data plane (source, mapper, channel, sink writes) up to and including time `untilMs`.
   *
   * In time order, with an arrival at the sinks before an emission of the same millisecond. While
   * writes can neither fail nor tell anything (`batchable`), they do not interact with emissions
   * except through the channel, so the loop goes in batches: emit every element due before the next
   * barrier's turn (steady runs of integers at once), write what has arrived, then let the barrier
   * through. Outside that (a write error waiting, the writers disconnected) it goes one element at
   * a time (`runOneByOne`). Both give the same run, event for event.
   */
  runUntil(untilMs: number): TaskFailure | null {
    if (!this.alive || this.frozen || this.blockedCalls > 0) return null;
    // A stall past `untilMs` would hold writes (and so emissions) back: only the exact loop knows.
    if (!this.writer.batchable || this.resumeAtMs > untilMs) return this.runOneByOne(untilMs);
    let until = untilMs;
    const channel = this.channel;
    for (;;) {
      const barrier = this.barriers[0];
      const barrierAt = barrier === undefined ? Number.POSITIVE_INFINITY : barrier.arrivalMs;
      const failure = this.emitBefore(until, barrierAt);
      // Arrivals up to the failing emission are written before it fails.
      this.writeArrived(failure === null ? until : failure.t, barrier?.afterSeq ?? Number.POSITIVE_INFINITY);
      if (failure !== null) return failure;
      if (barrier === undefined || barrier.afterSeq !== channel.popped) return null;
      const at = Math.max(barrierAt, this.resumeAtMs);
      if (at > until) return null;
      this.passBarrier(barrier, at);
      if (this.blockedCalls > 0 || !this.alive) return null;
      until = Math.min(until, this.ctx.scheduler.peekTime());
    }
  }

  /** Emits every element due at or before `until` and strictly before `barrierAt`, steady runs at once. */
  private emitBefore(until: number, barrierAt: number): TaskFailure | null {
    for (;;) {
      const t = this.nextEmitAtMs;
      if (t > until || t >= barrierAt) return null;
      const step = this.source.steadyStepMs;
      let count = this.source.steadyCount();
      if (step > 0) {
        count = Math.min(count, Math.floor((until - t) / step) + 1, Math.ceil((barrierAt - t) / step));
      }
      // The mapper's failing element goes through `emit`, which fails.
      if (this.failAtElement > this.elementsSeen)
        count = Math.min(count, this.failAtElement - this.elementsSeen - 1);
      if (count > 0) {
        this.emitSteady(t, step, count);
        continue;
      }
      const failure = this.emit(t);
      if (failure !== null) return failure;
    }
  }

  /** Writes the elements that arrived by `limit`, up to the channel position `beforeSeq` (a barrier's). */
  private writeArrived(limit: number, beforeSeq: number): void {
    const channel = this.channel;
    const count = channel.countDueBy(limit, beforeSeq - channel.popped);
    if (count === 0) return;
    if (this.tracer !== null) this.traceWrites(this.tracer, channel.head, channel.head + count);
    this.writer.writeRun(channel, channel.head, channel.head + count, this.resumeAtMs);
    channel.drop(count);
  }

  private passBarrier(barrier: Barrier, at: number): void {
    this.barriers.shift();
    for (const sink of this.writer.sinks) {
      if (this.ctx.listening)
        this.ctx.emit({
          t: at,
          kind: 'checkpoint-barrier',
          checkpointId: barrier.checkpointId,
          task: taskName(sink.index),
          attempt: this.id,
        });
      this.writer.barrier(sink, barrier.checkpointId, at);
    }
  }

  /** The same data plane one element at a time, for when a write may fail or tell something. */
  private runOneByOne(untilMs: number): TaskFailure | null {
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
          this.passBarrier(barrier, at);
          // The barrier may have started a blocking call (a flush or a begin that must wait).
          if (this.blockedCalls > 0 || !this.alive) return null;
          // The barrier may have scheduled timers (acks, flushes) that must run first.
          until = Math.min(until, this.ctx.scheduler.peekTime());
          continue;
        }
        const value = channel.headValue();
        const subtask = channel.headTag();
        channel.shift();
        const failure = this.writer.write(this.writer.sinks[subtask]!, value, at);
        if (failure !== null) return failure;
        if (this.tracer !== null) this.traceWrite(this.tracer, value, subtask, at);
      } else {
        if (emitAt > until) return null;
        const failure = this.emit(emitAt);
        if (failure !== null) return failure;
      }
    }
  }

  // ---- source and mapper ----

  private emit(t: number): TaskFailure | null {
    const value = this.source.next();
    this.elementsSeen++;
    if (value > 0) {
      this.checker.emitted(value, t);
      const tracer = this.tracer;
      if (tracer !== null && value >= tracer.fromValue && value <= tracer.toValue)
        tracer.emitted(value, this.id, t);
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
    if (value > 0) this.lastPushed = value;
    // Flink's rebalance partitioner: round robin over the sink subtasks.
    this.nextChannel = this.nextChannel + 1 === this.p ? 0 : this.nextChannel + 1;
    this.nextEmitAtMs = this.nextEmitTime(t);
    return null;
  }

  /** `count` integers of a steady run, the first at `t`, then one every `step` ms. */
  private emitSteady(t: number, step: number, count: number): void {
    const first = this.source.takeSteady(count);
    this.checker.emittedRun(first, count, t, step);
    if (this.tracer !== null) this.traceEmissions(this.tracer, first, count, t, step);
    this.ctx.metrics.countRun(Counter.emitted, t, step, count);
    this.elementsSeen += count;
    this.channel.pushRun(first, count, t + this.travelMs, step, this.nextChannel, this.p);
    this.lastPushed = first + count - 1;
    this.nextChannel = (this.nextChannel + count) % this.p;
    this.nextEmitAtMs = this.nextEmitTime(t + (count - 1) * step);
  }

  // ---- the value tracer (a replay for "Find a value") ----

  /** The traced values among a steady run of `count` values from `first`, `step` ms apart from t. */
  private traceEmissions(tracer: ValueTracer, first: number, count: number, t: number, step: number): void {
    const from = Math.max(first, tracer.fromValue);
    const to = Math.min(first + count - 1, tracer.toValue);
    for (let v = from; v <= to; v++) tracer.emitted(v, this.id, t + (v - first) * step);
  }

  /** The traced values among channel entries from..to-1, about to be written in one batch. */
  private traceWrites(tracer: ValueTracer, from: number, to: number): void {
    const { values, times, tags } = this.channel;
    for (let i = from; i < to; i++) {
      const value = values[i]!;
      if (value >= tracer.fromValue && value <= tracer.toValue && value >= 1)
        this.traceWrite(tracer, value, tags[i]!, Math.max(times[i]!, this.resumeAtMs));
    }
  }

  private traceWrite(tracer: ValueTracer, value: number, subtask: number, t: number): void {
    if (!(value >= tracer.fromValue && value <= tracer.toValue && value >= 1)) return;
    tracer.written(value, this.id, subtask, this.writer.sinks[subtask]?.current ?? null, t);
  }

  /** The sample's throttle: 5 ms per event until a checkpoint is confirmed, blocking at floor(N/3). */
  private nextEmitTime(t: number): number {
    if (this.source.endEmitted) this.checkFinalCheckpoints(t);
    return this.source.dueAfter(t);
  }

  /** Where the source is: its snapshot when the job restores from it. */
  get position(): number {
    return this.source.position;
  }

  /**
   * The last data value handed to the sinks (null: none): values leave the source in order, so
   * everything before the channel's head was written, and what is still in the channel was not.
   */
  get lastWritten(): number | null {
    if (this.channel.length === 0) return this.lastPushed > 0 ? this.lastPushed : null;
    const head = this.channel.headValue();
    if (head === START_MARKER) return null;
    if (head < 0) return this.lastPushed > 0 ? this.lastPushed : null;
    return head > 1 ? head - 1 : null;
  }

  /** The source's snapshotState: its state is its position. */
  snapshotSource(checkpointId: number, t: number): number {
    const position = this.source.snapshot(checkpointId);
    if (this.ctx.keepsLog) this.ctx.console('writer', `Start checkpointing at position ${position}`, t);
    this.barriers.push({
      checkpointId,
      arrivalMs: t + this.ctx.scenario.checkpoint.barrierTravelMs,
      afterSeq: this.channel.pushed,
    });
    return position;
  }

  /** The source's notifyCheckpointComplete: confirms only after a real checkpoint (position > -1). */
  notifySource(checkpointId: number, t: number): void {
    if (this.source.confirm(checkpointId)) {
      if (this.ctx.keepsLog)
        this.ctx.console('writer', `Complete checkpointing at position ${this.source.checkpointPosition}`, t);
      if (this.nextEmitAtMs === Number.POSITIVE_INFINITY && !this.source.endEmitted) this.nextEmitAtMs = t;
    }
    if (this.source.endEmitted) this.checkFinalCheckpoints(t);
  }

  /** After the end marker the source waits for `finalCheckpoints` more completed checkpoints. */
  private checkFinalCheckpoints(t: number): void {
    if (this.sourceDone) return;
    if (this.source.finalReached) {
      this.sourceDone = true;
      this.hooks.sourceFinished(this, t);
    }
  }

  // ---- sink ----

  /** The sink's initializeState (recovery commits and aborts, first transactions). */
  start(t: number): void {
    this.writer.start(t);
  }

  /** The sink's notifyCheckpointComplete for one subtask; `done` once its calls returned. */
  notifySink(subtask: number, checkpointId: number, t: number, done: Continuation | null): void {
    const sink = this.writer.sinks[subtask];
    if (sink === undefined) invariant(false, `no sink subtask ${subtask}`);
    this.writer.notify(sink, checkpointId, t, done);
  }

  /** The writers' reconnect retries ran out with plain writes unacknowledged. */
  writerBroken(writes: number, t: number): void {
    this.writer.writerBroken(writes, t);
  }

  acknowledge(checkpointId: number, subtask: number, snapshot: SinkSnapshot | null, t: number): void {
    this.hooks.acknowledge(this, checkpointId, subtask, snapshot, t);
  }

  fail(failure: TaskFailure): void {
    this.hooks.fail(this, failure);
  }

  decline(checkpointId: number, t: number, why: string): void {
    this.hooks.decline(this, checkpointId, t, why);
  }

  /**
   * A client call made on a task thread: processing stalls until it returns. `call` gets the two
   * ways it can end; when the call returns at once the stall lasts no time at all.
   */
  blockingCall(call: (done: Continuation, exhausted: Continuation) => void): void {
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
    this.writer.thaw(t);
    if (this.blockedCalls === 0) this.resume(t);
  }

  private resume(t: number): void {
    if (t > this.resumeAtMs) this.resumeAtMs = t;
    if (this.nextEmitAtMs < t) this.nextEmitAtMs = t;
    const actions = this.deferred;
    this.deferred = [];
    for (const action of actions) this.whenRunning(t, action);
  }

  /** A failed task is cancelled and closes its sink; in-channel events are lost. */
  cancel(t: number, why: 'task-closed' | 'end-of-input' = 'task-closed'): void {
    this.stop(false);
    this.writer.close(t, why);
  }

  /** Before the sinks close at the job's end: a write error found then fails the task instead. */
  verifyBeforeClose(t: number, next: Continuation): void {
    this.writer.verifyBeforeClose(t, next);
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
    if (hard) this.writer.kill();
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
