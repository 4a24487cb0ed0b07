import type { SimEvent, TaskFailureReason } from '../events';
import type { Scheduler } from '../kernel/scheduler';
import type { CheckpointFaultPlan } from '../model/checkpoint-fault-plan';
import { type HeartbeatMonitor, heartbeatTimedOut } from '../model/heartbeat';
import type { Attempt } from '../model/job';
import type { StreamStore } from '../model/stream-store';
import type { TaskFailure } from '../model/task';
import {
  type CheckpointFault,
  type DurationFaultKind,
  type Fault,
  type FaultHost,
  faultEntry,
} from '../scenario/fault-catalogue';

/** What the injector needs of the job it strikes; the simulation implements it. */
export interface JobControl {
  /** The attempt the coordinator runs, if one is running. */
  currentAttempt(): Attempt | null;
  /** Every attempt still alive: the current one, and a frozen or zombie one still winding down. */
  liveAttempts(): Attempt[];
  /** Forgets an attempt that is gone. */
  retire(attempt: Attempt): void;
  /** A task of the attempt failed: the job fails over (or the attempt, if a zombie, just stops). */
  failTask(attempt: Attempt, failure: TaskFailure): void;
  /**
   * The job fails over away from an attempt that does not fail itself (lost to the heartbeat, or
   * left running as a zombie): told, then restarted or failed for good.
   */
  failOverFrom(attempt: Attempt, reason: TaskFailureReason, detail: string, t: number, zombie: boolean): void;
  emit(event: SimEvent): void;
}

/**
 * Injects the scenario's and the clicks' faults into a simulation: each kind's catalogue entry says
 * which of these mechanisms it uses (`FaultHost`); this class is how they act on the model.
 */
export class FaultInjector implements FaultHost {
  constructor(
    private readonly scheduler: Scheduler,
    private readonly store: StreamStore,
    private readonly checkpointFaults: CheckpointFaultPlan,
    private readonly heartbeat: HeartbeatMonitor,
    private readonly job: JobControl,
  ) {}

  inject(fault: Fault): void {
    faultEntry(fault.kind).inject(fault, this);
  }

  armAtCheckpoint(fault: CheckpointFault): void {
    this.checkpointFaults.add(fault);
  }

  at(atMs: number, act: (t: number) => void): void {
    this.scheduler.scheduleFirst(atMs, () => act(atMs));
  }

  failRunningTask(t: number): void {
    const attempt = this.job.currentAttempt();
    if (attempt === null || !attempt.alive) {
      this.fired('mapper-exception', t, 'no running job: nothing to fail');
      return;
    }
    this.fired('mapper-exception', t, 'artificial exception in the mapper');
    this.job.failTask(attempt, {
      t,
      reason: 'artificial-exception',
      detail: 'Artificial failure (injected)',
    });
  }

  storeOutage(t: number, durationMs: number): void {
    const end = this.outageFired('store-outage', t, durationMs);
    this.store.setStoreOutage(true, t);
    this.scheduler.schedule(end, () => {
      this.store.setStoreOutage(false, end);
      this.job.emit({ t: end, kind: 'outage-ended', faultKind: 'store-outage' });
    });
  }

  controllerOutage(t: number, durationMs: number): void {
    const end = this.outageFired('controller-outage', t, durationMs);
    this.store.setControllerOutage(true);
    this.scheduler.schedule(end, () => {
      this.store.setControllerOutage(false);
      this.job.emit({ t: end, kind: 'outage-ended', faultKind: 'controller-outage' });
    });
  }

  /**
   * The whole job freezes. One heartbeat timeout after the TaskManager's last reply (40 to 50 s
   * into the freeze with Flink's defaults: HeartbeatMonitor) the JobManager declares it lost and
   * fails the job over; the frozen attempt cancels its tasks when it thaws. A TaskManager that
   * thaws first answers the requests that queued up meanwhile, which resets the timeout.
   */
  pauseJob(t: number, durationMs: number): void {
    const end = this.outageFired('job-pause', t, durationMs);
    const frozen = this.job.liveAttempts();
    for (const attempt of frozen) attempt.freeze();
    const lostAt = this.heartbeat.lostAtMs(t);
    if (lostAt < end) this.scheduler.schedule(lostAt, () => this.heartbeatLost(lostAt, lostAt - t));
    this.scheduler.schedule(end, () => {
      for (const attempt of frozen) this.thaw(attempt, end);
      this.job.emit({ t: end, kind: 'outage-ended', faultKind: 'job-pause' });
    });
  }

  /** The job fails over, but the old attempt keeps running outside the coordinator's reach. */
  zombify(t: number, durationMs: number): void {
    const end = this.outageFired('zombie-writer', t, durationMs);
    const attempt = this.job.currentAttempt();
    if (attempt === null || !attempt.alive) return;
    attempt.zombie = true;
    const detail = `TaskManager lost: the job fails over while attempt ${attempt.id} keeps running for ${end - t} ms`;
    this.job.failOverFrom(attempt, 'injected-crash', detail, t, true);
    this.scheduler.schedule(end, () => {
      if (!attempt.alive) return;
      const lastWritten = attempt.lastWritten;
      attempt.stop();
      this.job.retire(attempt);
      this.job.emit({ t: end, kind: 'zombie-stopped', attempt: attempt.id, lastWritten });
    });
  }

  private thaw(attempt: Attempt, t: number): void {
    if (!attempt.alive) return;
    if (attempt.lost) {
      attempt.cancel(t);
      this.job.retire(attempt);
    } else attempt.unfreeze(t);
  }

  private heartbeatLost(t: number, frozenMs: number): void {
    const attempt = this.job.currentAttempt();
    if (attempt === null || !attempt.alive || !attempt.isFrozen) return;
    attempt.lost = true;
    const detail = heartbeatTimedOut(this.heartbeat.timeoutMs, frozenMs);
    this.job.failOverFrom(attempt, 'heartbeat-timeout', detail, t, false);
  }

  private fired(kind: 'mapper-exception', t: number, detail: string): void {
    this.job.emit({ t, kind: 'fault-fired', faultKind: kind, checkpointId: null, detail });
  }

  /** Tells a fault that lasts; returns when it ends. */
  private outageFired(kind: DurationFaultKind, t: number, durationMs: number): number {
    this.job.emit({
      t,
      kind: 'fault-fired',
      faultKind: kind,
      checkpointId: null,
      detail: `${kind} for ${durationMs} ms`,
      durationMs,
    });
    return t + durationMs;
  }
}
