import type { CheckpointAbortReason } from '../events';
import type { SimContext } from '../kernel/context';
import type { Prng } from '../kernel/prng';
import type { CheckpointFaultKind, Fault, NotifyTarget } from '../scenario/schema';
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
   * The periodic trigger. A checkpoint pending longer than the timeout is aborted here (so the
   * timeout is noticed at the first trigger at or after it); a trigger while another checkpoint is
   * still pending is skipped, as at most one runs at a time.
   */
  trigger(t: number): void {
    const current = this.pending;
    if (current !== null && t >= current.triggeredAtMs + this.ctx.scenario.checkpoint.timeoutMs) {
      this.abortPending('timeout', t);
    }
    const attempt = this.hooks.runningAttempt();
    if (attempt === null || this.pending !== null) return;
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
    attempt.whenRunning(t, (at) => {
      if (this.pending !== pending) return;
      pending.position = attempt.snapshotSource(id, at);
      if (this.ctx.listening)
        this.ctx.emit({ t: at, kind: 'checkpoint-triggered', checkpointId: id, position: pending.position });
      this.acknowledge(attempt, id, SOURCE_TASK, null, at);
    });
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
    if ((pending.acknowledged & bit) === 0) {
      pending.acknowledged |= bit;
      pending.missing--;
    }
    if (sink !== null) pending.sinks[task] = sink;
    if (this.ctx.listening)
      this.ctx.emit({ t, kind: 'checkpoint-acknowledged', checkpointId, task: taskName(task) });
    if (pending.missing === 0) this.allAcknowledged(pending, t);
  }

  abortPending(reason: CheckpointAbortReason, t: number): void {
    const pending = this.pending;
    if (pending === null) return;
    this.pending = null;
    this.counts.aborted++;
    this.ctx.emit({ t, kind: 'checkpoint-aborted', checkpointId: pending.id, reason });
    if (reason === 'declined' || reason === 'timeout') this.countFailure(pending, reason, t);
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

  private allAcknowledged(pending: PendingCheckpoint, t: number): void {
    const { id, attempt } = pending;
    if (this.fire('crash-after-precommit', id, t) !== null) {
      this.hooks.crashJob(
        attempt,
        t,
        'injected-crash',
        `crash after every sink pre-committed checkpoint ${id}`,
      );
      return;
    }
    if (this.fire('checkpoint-abort', id, t) !== null) {
      this.abortPending('declined', t);
      return;
    }
    this.pending = null;
    this.counts.completed++;
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

  private fire(kind: CheckpointFaultKind, id: number, t: number): Fault | null {
    const fault = this.faults.take(kind, id, t);
    if (fault === null) return null;
    this.ctx.emit({
      t,
      kind: 'fault-fired',
      faultKind: kind,
      checkpointId: id,
      detail: `checkpoint ${id}: ${CHECKPOINT_FAULT_FIRED[kind](0)}`,
      ...(fault.kind === 'notify-lost' ? { target: targetOf(fault) } : {}),
    });
    return fault;
  }
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
