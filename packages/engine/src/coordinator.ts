import type { SimContext } from './context';
import type { CheckpointAbortReason } from './events';
import type { CheckpointFaultPlan } from './faults';
import type { Attempt, CompletedCheckpoint, SinkSnapshot } from './job';
import type { CheckpointFaultKind } from './scenario';

/** What the coordinator needs from the job: the running attempt, and a way to fail it. */
export interface CoordinatorHooks {
  /** The attempt checkpoints are taken of, or null while the job restarts or has ended. */
  runningAttempt(): Attempt | null;
  crashJob(attempt: Attempt, t: number, detail: string): void;
}

export const SOURCE_TASK = -1;

const SINK_NAMES = Array.from({ length: 16 }, (_, i) => `sink-${i}`);

/** The task names events carry: `source`, `sink-0`, `sink-1`, ... */
export function taskName(task: number): string {
  return task === SOURCE_TASK ? 'source' : (SINK_NAMES[task] ?? `sink-${task}`);
}

interface PendingCheckpoint {
  id: number;
  attempt: Attempt;
  triggeredAtMs: number;
  position: number;
  /** Tasks that acknowledged: index 0 is the source, 1 + i is sink subtask i. */
  acknowledged: Uint8Array;
  acknowledgedCount: number;
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
  readonly counts = { triggered: 0, completed: 0, aborted: 0 };

  constructor(
    private readonly ctx: SimContext,
    private readonly faults: CheckpointFaultPlan,
    private readonly hooks: CoordinatorHooks,
  ) {}

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
      acknowledged: new Uint8Array(this.ctx.scenario.sink.parallelism + 1),
      acknowledgedCount: 0,
      sinks: [],
    };
    this.pending = pending;
    this.counts.triggered++;
    attempt.whenRunning(t, (at) => {
      if (this.pending !== pending) return;
      pending.position = attempt.snapshotSource(id, at);
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
    const slot = task + 1;
    if (pending.acknowledged[slot] === 0) {
      pending.acknowledged[slot] = 1;
      pending.acknowledgedCount++;
    }
    if (sink !== null) pending.sinks[task] = sink;
    this.ctx.emit({ t, kind: 'checkpoint-acknowledged', checkpointId, task: taskName(task) });
    if (pending.acknowledgedCount === pending.acknowledged.length) this.allAcknowledged(pending, t);
  }

  abortPending(reason: CheckpointAbortReason, t: number): void {
    const pending = this.pending;
    if (pending === null) return;
    this.pending = null;
    this.counts.aborted++;
    this.ctx.emit({ t, kind: 'checkpoint-aborted', checkpointId: pending.id, reason });
  }

  private allAcknowledged(pending: PendingCheckpoint, t: number): void {
    const { id, attempt } = pending;
    if (
      this.fire('crash-after-precommit', id, t, 'every sink pre-committed; the job fails before completion')
    ) {
      this.hooks.crashJob(attempt, t, `crash after every sink pre-committed checkpoint ${id}`);
      return;
    }
    if (this.fire('checkpoint-abort', id, t, 'declined after the sinks pre-committed')) {
      this.abortPending('declined', t);
      return;
    }
    this.pending = null;
    this.counts.completed++;
    this.latest = { id, position: pending.position, sinks: pending.sinks, completedAtMs: t };
    this.ctx.emit({
      t,
      kind: 'checkpoint-completed',
      checkpointId: id,
      position: pending.position,
      durationMs: t - pending.triggeredAtMs,
    });
    if (this.fire('crash-before-notify', id, t, 'completed; the job fails before notifying the tasks')) {
      this.hooks.crashJob(attempt, t, `crash after checkpoint ${id} completed, before notification`);
      return;
    }
    if (this.fire('notify-lost', id, t, 'the completion notification is lost')) return;
    const notifyAt = t + this.ctx.scenario.checkpoint.notifyLatencyMs;
    this.ctx.scheduler.schedule(notifyAt, () =>
      attempt.whenRunning(notifyAt, (at) => this.notify(attempt, id, at)),
    );
  }

  /** notifyCheckpointComplete reaches the source, then each sink subtask in order. */
  private notify(attempt: Attempt, id: number, t: number): void {
    attempt.notifySource(id, t);
    this.ctx.emit({ t, kind: 'checkpoint-notified', checkpointId: id, task: 'source' });
    for (let subtask = 0; subtask < this.ctx.scenario.sink.parallelism; subtask++) {
      if (!attempt.alive) return;
      attempt.notifySink(subtask, id, t);
      this.ctx.emit({ t, kind: 'checkpoint-notified', checkpointId: id, task: taskName(subtask) });
      if (
        subtask === 0 &&
        this.fire('crash-during-commit', id, t, 'subtask 0 committed; the job fails before subtask 1')
      ) {
        this.hooks.crashJob(attempt, t, `crash while committing checkpoint ${id}`);
        return;
      }
    }
  }

  private fire(kind: CheckpointFaultKind, id: number, t: number, detail: string): boolean {
    if (this.faults.take(kind, id, t) === null) return false;
    this.ctx.emit({
      t,
      kind: 'fault-fired',
      faultKind: kind,
      checkpointId: id,
      detail: `checkpoint ${id}: ${detail}`,
    });
    return true;
  }
}
