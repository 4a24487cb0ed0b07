import type { CheckpointAbortReason } from '../events';
import type { SimContext } from '../kernel/context';
import type { Prng } from '../kernel/prng';
import type { PrecommitCrashStage } from '../scenario/fault-catalogue';
import type { CheckpointFault, CheckpointFaultKind, Fault, NotifyTarget } from '../scenario/schema';
import { CHECKPOINT_FAULT_FIRED, type CheckpointFaultPlan } from './checkpoint-fault-plan';
import type { Attempt } from './job';
import { SOURCE_TASK, taskName } from './names';
import type { CompletedCheckpoint, SinkSnapshot } from './task';

/** What the coordinator needs from the job: the running attempt, and a way to fail it over. */
export interface CoordinatorHooks {
  /** The attempt checkpoints are taken of, or null while the job restarts or has ended. */
  runningAttempt(): Attempt | null;
  crashJob(
    attempt: Attempt,
    t: number,
    reason: 'injected-crash' | 'checkpoint-failures',
    detail: string,
  ): void;
}

/** CheckpointRequestDecider.DEFAULT_MAX_QUEUED_REQUESTS: beyond it the newest request fails. */
const MAX_QUEUED_REQUESTS = 1_000;

interface PendingCheckpoint {
  id: number;
  attempt: Attempt;
  triggeredAtMs: number;
  position: number;
  /** Tasks that acknowledged, one bit each: bit 0 is the source, bit 1 + i sink subtask i (at most 16). */
  acknowledged: number;
  /** Tasks yet to acknowledge. */
  missing: number;
  sinks: SinkSnapshot[];
}

/**
 * Flink's checkpoint coordinator, as the sample configures it: one checkpoint at a time, triggered
 * every interval; complete when the source and every sink subtask acknowledged; then every task is
 * notified. Checkpoint ids count up across restarts.
 */
export class CheckpointCoordinator {
  private nextId = 1;
  private pending: PendingCheckpoint | null = null;
  latest: CompletedCheckpoint | null = null;
  /** `failed`: declined or expired, the aborts Flink's CheckpointFailureManager counts. */
  readonly counts = { triggered: 0, completed: 0, aborted: 0, failed: 0 };
  // Flink's CheckpointFailureManager: consecutive declined or expired checkpoints since the last success.
  private consecutiveFailures = 0;
  private lastSucceededId = 0;
  /** Periodic trigger requests waiting for the pending checkpoint to end (CheckpointRequestDecider). */
  private queuedRequests = 0;
  /** Whether the canceller's timer is in the queue (see armCanceller). */
  private cancellerArmed = false;
  /** The source and every sink subtask: whom a checkpoint's notification goes to. */
  private readonly everyTask: readonly number[];

  constructor(
    private readonly ctx: SimContext,
    private readonly faults: CheckpointFaultPlan,
    private readonly prng: Prng,
    private readonly hooks: CoordinatorHooks,
  ) {
    this.everyTask = [SOURCE_TASK, ...Array.from({ length: ctx.scenario.sink.parallelism }, (_, i) => i)];
  }

  /** The id the next triggered checkpoint gets. */
  get nextCheckpointId(): number {
    return this.nextId;
  }

  /**
   * The periodic trigger. At most one checkpoint runs at a time: a trigger while one is pending is
   * queued (CheckpointRequestDecider, at most 1,000 requests) and runs when that one ends. Each
   * checkpoint gets its CheckpointCanceller: a timer at trigger + timeoutMs that expires it if it
   * is still pending then (CheckpointCoordinator.createPendingCheckpoint).
   */
  trigger(t: number): void {
    if (this.pending !== null) {
      if (this.queuedRequests < MAX_QUEUED_REQUESTS) this.queuedRequests++;
      return;
    }
    this.start(t);
  }

  /**
   * A pending checkpoint ended: the queue's first request runs at once (scheduleTriggerRequest).
   * At a restore or the job's end `abortPending` empties the queue first: those requests fail, the
   * tasks not running (NOT_ALL_REQUIRED_TASKS_RUNNING), which the failure manager does not count.
   */
  private pendingEnded(t: number): void {
    if (this.queuedRequests === 0) return;
    this.ctx.scheduler.schedule(t, this.runQueued, false);
  }

  private readonly runQueued = (t: number): void => {
    if (this.pending !== null || this.queuedRequests === 0) return;
    this.queuedRequests--;
    if (!this.start(t)) this.queuedRequests = 0;
  };

  /** Starts a checkpoint of the running attempt; false when no attempt runs (the request fails). */
  private start(t: number): boolean {
    const attempt = this.hooks.runningAttempt();
    if (attempt === null) return false;
    const id = this.nextId++;
    const pending: PendingCheckpoint = {
      id,
      attempt,
      triggeredAtMs: t,
      position: -1,
      acknowledged: 0,
      missing: this.ctx.scenario.sink.parallelism + 1,
      sinks: [],
    };
    this.pending = pending;
    this.counts.triggered++;
    this.armCanceller(pending.triggeredAtMs + this.ctx.scenario.checkpoint.timeoutMs);
    attempt.whenRunning(t, (at) => {
      if (this.pending !== pending) return;
      pending.position = attempt.snapshotSource(id, at);
      if (this.ctx.listening)
        this.ctx.emit({ t: at, kind: 'checkpoint-triggered', checkpointId: id, position: pending.position });
      this.acknowledge(attempt, id, SOURCE_TASK, null, at);
    });
    return true;
  }

  /** A task's acknowledgement: `task` is SOURCE_TASK or a sink subtask's index. */
  acknowledge(
    attempt: Attempt,
    checkpointId: number,
    task: number,
    sink: SinkSnapshot | null,
    t: number,
  ): void {
    const pending = this.pending;
    if (pending === null || pending.id !== checkpointId || pending.attempt !== attempt) return;
    const bit = 1 << (task + 1);
    const fresh = (pending.acknowledged & bit) === 0;
    // The source acknowledges at the trigger: the last task to acknowledge is always a sink.
    if (fresh && pending.missing === 1 && this.sinkDiesBeforeAck(pending, task, t)) return;
    if (fresh) {
      pending.acknowledged |= bit;
      pending.missing--;
    }
    if (sink !== null) pending.sinks[task] = sink;
    if (this.ctx.listening)
      this.ctx.emit({ t, kind: 'checkpoint-acknowledged', checkpointId, task: taskName(task) });
    if (pending.missing === 0) this.allAcknowledged(pending, task, t);
  }

  /**
   * Flink schedules one CheckpointCanceller per checkpoint. One checkpoint is pending at a time
   * and deadlines only grow, so one timer does the same: when it finds the pending checkpoint's
   * deadline still ahead (an earlier one completed meanwhile) it re-arms for it. This keeps a
   * long run from holding a canceller per completed checkpoint in the timer queue.
   */
  private armCanceller(deadlineMs: number): void {
    if (this.cancellerArmed) return;
    this.cancellerArmed = true;
    // Housekeeping: once the job has ended the canceller has nothing left to expire.
    this.ctx.scheduler.schedule(deadlineMs, this.canceller, false);
  }

  /** The CheckpointCanceller: a checkpoint still pending at its deadline expires (CHECKPOINT_EXPIRED). */
  private readonly canceller = (t: number): void => {
    this.cancellerArmed = false;
    const pending = this.pending;
    if (pending === null) return;
    const deadlineMs = pending.triggeredAtMs + this.ctx.scenario.checkpoint.timeoutMs;
    if (t >= deadlineMs) this.abortPending('timeout', t);
    else this.armCanceller(deadlineMs);
  };

  /**
   * A task declined the checkpoint (its snapshotState threw): the checkpoint fails at once
   * (CheckpointCoordinator.receiveDeclineMessage, CHECKPOINT_DECLINED), and counts.
   */
  decline(attempt: Attempt, checkpointId: number, t: number): void {
    const pending = this.pending;
    if (pending === null || pending.id !== checkpointId || pending.attempt !== attempt) return;
    this.abortPending('declined', t);
  }

  abortPending(reason: CheckpointAbortReason, t: number): void {
    // At a restore or the job's end the queued requests fail even with nothing pending.
    if (reason === 'job-failover' || reason === 'job-finished') this.queuedRequests = 0;
    const pending = this.pending;
    if (pending === null) return;
    this.pending = null;
    this.counts.aborted++;
    this.ctx.emit({ t, kind: 'checkpoint-aborted', checkpointId: pending.id, reason });
    if (reason === 'declined' || reason === 'timeout') this.countFailure(pending, reason, t);
    this.pendingEnded(t);
  }

  /**
   * CheckpointFailureManager.checkFailureAgainstCounter: a declined or expired checkpoint newer than
   * the last success counts; beyond `tolerableFailures` in a row the job fails over (Flink's default
   * tolerates none). Aborts caused by a failover or the job's end do not count.
   */
  private countFailure(pending: PendingCheckpoint, reason: 'declined' | 'timeout', t: number): void {
    this.counts.failed++;
    if (pending.id <= this.lastSucceededId) return;
    this.consecutiveFailures++;
    if (this.consecutiveFailures <= this.ctx.scenario.checkpoint.tolerableFailures) return;
    this.consecutiveFailures = 0;
    if (!pending.attempt.alive) return;
    this.hooks.crashJob(
      pending.attempt,
      t,
      'checkpoint-failures',
      `Exceeded checkpoint tolerable failure threshold: checkpoint ${pending.id} ${reason === 'timeout' ? 'expired' : 'was declined'}`,
    );
  }

  /**
   * crash-after-precommit, `before-ack`: the last sink to acknowledge K dies after its pre-commit,
   * before its acknowledgement is sent. K stays pending (a task failure aborts nothing in Flink
   * 1.14) until the restart restores state and aborts it, so the restore goes back one checkpoint.
   */
  private sinkDiesBeforeAck(pending: PendingCheckpoint, task: number, t: number): boolean {
    if (this.fire('crash-after-precommit', pending.id, t, task, (f) => stageOf(f) === 'before-ack') === null)
      return false;
    this.hooks.crashJob(
      pending.attempt,
      t,
      'injected-crash',
      `sink ${task} died after pre-committing checkpoint ${pending.id}, before acknowledging it`,
    );
    return true;
  }

  /** `lastTask`: the sink subtask whose acknowledgement completed the set. */
  private allAcknowledged(pending: PendingCheckpoint, lastTask: number, t: number): void {
    const { id, attempt } = pending;
    if (this.fire('checkpoint-abort', id, t) !== null) {
      this.abortPending('declined', t);
      return;
    }
    this.pending = null;
    this.counts.completed++;
    this.pendingEnded(t);
    if (id > this.lastSucceededId) {
      this.lastSucceededId = id;
      this.consecutiveFailures = 0;
    }
    this.latest = { id, position: pending.position, sinks: pending.sinks, completedAtMs: t };
    if (this.ctx.listening)
      this.ctx.emit({
        t,
        kind: 'checkpoint-completed',
        checkpointId: id,
        position: pending.position,
        durationMs: t - pending.triggeredAtMs,
      });
    // crash-after-precommit, `after-acks`: the acknowledgements already sent completed K
    // (receiveAcknowledgeMessage); the sink dies after, and the restore commits K's transactions.
    if (this.fire('crash-after-precommit', id, t, lastTask, (f) => stageOf(f) === 'after-acks') !== null) {
      this.hooks.crashJob(
        attempt,
        t,
        'injected-crash',
        `sink ${lastTask} died after every task acknowledged checkpoint ${id}`,
      );
      return;
    }
    if (this.fire('crash-before-notify', id, t) !== null) {
      this.hooks.crashJob(
        attempt,
        t,
        'injected-crash',
        `crash after checkpoint ${id} completed, before notification`,
      );
      return;
    }
    const lost = this.fire('notify-lost', id, t);
    this.notifyTasks(attempt, id, t, lost === null ? null : targetOf(lost));
  }

  /**
   * notifyCheckpointComplete is one message per task: each arrives on its own (after
   * notifyLatencyMs, plus up to notifyJitterMs drawn per task), can be lost alone, and is ignored by
   * a task that is no longer running. Messages due in the same millisecond share one timer.
   */
  private notifyTasks(attempt: Attempt, id: number, t: number, lostTo: NotifyTarget | null): void {
    const { notifyLatencyMs, notifyJitterMs } = this.ctx.scenario.checkpoint;
    if (notifyJitterMs === 0 && lostTo === null) {
      this.deliver(attempt, id, this.everyTask, t + notifyLatencyMs);
      return;
    }
    const tasks: number[] = [];
    for (let task = SOURCE_TASK; task < this.ctx.scenario.sink.parallelism; task++) {
      if (lostTo !== null && reaches(lostTo, task)) continue;
      if (notifyJitterMs === 0) tasks.push(task);
      else this.deliver(attempt, id, [task], t + notifyLatencyMs + this.prng.int(0, notifyJitterMs));
    }
    if (tasks.length > 0) this.deliver(attempt, id, tasks, t + notifyLatencyMs);
  }

  private deliver(attempt: Attempt, id: number, tasks: readonly number[], at: number): void {
    this.ctx.scheduler.schedule(at, () => {
      for (const task of tasks) attempt.whenRunning(at, (now) => this.notifyTask(attempt, id, task, now));
    });
  }

  private notifyTask(attempt: Attempt, id: number, task: number, t: number): void {
    if (this.ctx.listening)
      this.ctx.emit({ t, kind: 'checkpoint-notified', checkpointId: id, task: taskName(task) });
    if (task === SOURCE_TASK) {
      attempt.notifySource(id, t);
      return;
    }
    attempt.notifySink(
      task,
      id,
      t,
      task === 0 ? (at) => this.afterSubtaskZeroCommitted(attempt, id, at) : null,
    );
  }

  private afterSubtaskZeroCommitted(attempt: Attempt, id: number, t: number): void {
    if (!attempt.alive) return;
    if (this.fire('crash-during-commit', id, t) !== null) {
      this.hooks.crashJob(attempt, t, 'injected-crash', `crash while committing checkpoint ${id}`);
    }
  }

  /** Takes the fault of this kind aimed at checkpoint `id` now, and tells it; `subtask`: the sink it strikes. */
  private fire(
    kind: CheckpointFaultKind,
    id: number,
    t: number,
    subtask = 0,
    accepts?: (fault: CheckpointFault) => boolean,
  ): Fault | null {
    const fault = this.faults.take(kind, id, t, accepts);
    if (fault === null) return null;
    this.ctx.emit({
      t,
      kind: 'fault-fired',
      faultKind: kind,
      checkpointId: id,
      detail: `checkpoint ${id}: ${CHECKPOINT_FAULT_FIRED[kind](subtask, fault)}`,
      ...(fault.kind === 'notify-lost' ? { target: targetOf(fault) } : {}),
      ...(fault.kind === 'crash-after-precommit' ? { subtask, stage: stageOf(fault) } : {}),
    });
    return fault;
  }
}

function stageOf(fault: CheckpointFault): PrecommitCrashStage {
  return fault.kind === 'crash-after-precommit' ? (fault.stage ?? 'before-ack') : 'before-ack';
}

function targetOf(fault: Fault): NotifyTarget {
  return fault.kind === 'notify-lost' ? (fault.target ?? 'all') : 'all';
}

/** Whether a notification lost to `target` is the one for `task` (SOURCE_TASK or a sink subtask). */
function reaches(target: NotifyTarget, task: number): boolean {
  if (target === 'all') return true;
  if (target === 'source') return task === SOURCE_TASK;
  if (target === 'sinks') return task !== SOURCE_TASK;
  return task === target;
}
