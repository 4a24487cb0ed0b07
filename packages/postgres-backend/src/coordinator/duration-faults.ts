import type { ChildProcess } from 'node:child_process';
import { type Fault, type HeartbeatMonitor, heartbeatTimedOut, type TaskFailureReason } from '@eolab/engine';
import type { PostgresServer } from '../postgres/server';
import type { TaskEvent, ToTask } from './messages';

/** What the faults that last a while need from the coordinator. */
export interface FaultableJob {
  /** The task process, when it is running the job (not starting, failing or finishing). */
  runningChild(): ChildProcess | null;
  send(child: ChildProcess, message: ToTask): void;
  /** Fails the attempt over now: SIGKILL, then the restart strategy. */
  failOver(detail: string, reason: TaskFailureReason): void;
  /** Fails the attempt over but leaves its task process running, beyond the coordinator's reach, for `durationMs`. */
  zombify(durationMs: number): void;
  /** The job cannot go on (the store did not come back): it ends, failed. */
  abort(detail: string): void;
  log(line: string): void;
  /** ms since the job's start: where the heartbeat's request cycle stands. */
  elapsedMs(): number;
  /** A protocol step in the engine's vocabulary (a fault firing, an outage ending), stamped now. */
  event(event: TaskEvent): void;
}

/** A fault with a duration (the schema gives every such kind atMs and durationMs). */
type TimedFault = { atMs: number; durationMs: number };

/**
 * The real backend's faults with a duration, on the job's clock:
 *
 * - `store-outage`: PostgreSQL stops with an immediate shutdown (as a crash: open transactions are
 *   lost, prepared ones survive) and starts again `durationMs` later; the sinks reconnect on
 *   `sink.writerRetry`'s backoff and resend.
 * - `job-pause`: the task process is told to freeze (its source stops where it is), then SIGSTOPped;
 *   `durationMs` later SIGCONT. One heartbeat timeout after the last heartbeat reply (40 to 50 s
 *   into the pause with Flink's defaults, the model's seeded phase: `HeartbeatMonitor`) the attempt
 *   is failed over (SIGKILL and a restore), as Flink's JobManager does with a TaskManager that
 *   stopped answering heartbeats.
 * - `zombie-writer` (Kafka only: faults.ts): the job fails over while the task process goes on
 *   writing, out of the coordinator's reach, and is SIGKILLed `durationMs` later, unless fencing
 *   stopped it first.
 */
export class DurationFaults {
  private readonly timers: NodeJS.Timeout[] = [];
  private paused: { child: ChildProcess; stopped: boolean } | null = null;

  constructor(
    private readonly faults: readonly Fault[],
    private readonly heartbeat: HeartbeatMonitor,
    private readonly job: FaultableJob,
    private readonly store: PostgresServer['outage'],
  ) {}

  /** Schedules every fault of the scenario from the job's start. */
  start(): void {
    for (const fault of this.faults) this.add(fault, 0);
  }

  /** A fault `elapsedMs` into the job (a click on the dashboard): it acts at its atMs, at once if that has passed. */
  add(fault: Fault, elapsedMs: number): void {
    if (fault.kind !== 'store-outage' && fault.kind !== 'job-pause' && fault.kind !== 'zombie-writer') return;
    const delayMs = Math.max(0, fault.atMs - elapsedMs);
    if (fault.kind === 'store-outage') this.at(delayMs, () => this.storeOutage(fault));
    else if (fault.kind === 'job-pause') this.at(delayMs, () => this.pause(fault));
    else
      this.at(delayMs, () => {
        if (this.job.runningChild() === null) {
          this.job.log('Zombie writer: no running job, nothing to leave running');
          return;
        }
        this.fired('zombie-writer', fault.durationMs);
        this.job.zombify(fault.durationMs);
      });
  }

  /** The job ended: no more fault actions (an outage still on is ended by the run, which needs the server). */
  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    const paused = this.paused;
    this.paused = null;
    if (paused?.stopped) paused.child.kill('SIGCONT');
  }

  /** The task process answered `freeze`: it is stopped now. */
  frozen(child: ChildProcess): void {
    if (this.paused === null || this.paused.child !== child) return;
    this.paused.stopped = child.kill('SIGSTOP');
  }

  private at(delayMs: number, action: () => void): void {
    this.timers.push(setTimeout(action, delayMs));
  }

  private storeOutage(fault: TimedFault): void {
    if (this.store === undefined) return;
    const store = this.store;
    this.fired('store-outage', fault.durationMs);
    this.job.log(`Store outage: PostgreSQL stopped (immediate shutdown) for ${fault.durationMs} ms`);
    const crashed = store
      .crash()
      .catch((error: Error) => this.job.log(`PostgreSQL did not stop: ${error.message}`));
    this.at(fault.durationMs, () => {
      const restartAt = Date.now();
      void crashed
        .then(() => store.restart())
        .then(
          () => {
            this.job.log(
              `Store outage over: PostgreSQL started again (crash recovery and start took ${Date.now() - restartAt} ms)`,
            );
            this.job.event({ kind: 'outage-ended', faultKind: 'store-outage' });
          },
          (error: Error) => this.job.abort(`Job failed: ${error.message}`),
        );
    });
  }

  private pause(fault: TimedFault): void {
    const child = this.job.runningChild();
    if (child === null) {
      this.job.log('Job pause: no running job, nothing to pause');
      return;
    }
    // A second pause while the first holds the process: it stays stopped (a fresh freeze would
    // forget the SIGSTOP, and no SIGCONT would ever come), and it goes on when the first of the two
    // ends, as the model thaws it.
    const again = this.paused?.child === child;
    if (!again) this.paused = { child, stopped: false };
    this.fired('job-pause', fault.durationMs);
    if (!again) this.job.send(child, { type: 'freeze' });
    this.job.log(`Job paused: the task process (pid ${child.pid}) is stopped for ${fault.durationMs} ms`);
    const frozenAtMs = this.job.elapsedMs();
    const lostAfterMs = this.heartbeat.lostAtMs(frozenAtMs) - frozenAtMs;
    if (lostAfterMs < fault.durationMs) {
      this.at(lostAfterMs, () => {
        if (this.paused?.child !== child) return;
        this.paused = null;
        // SIGKILL reaches a stopped process.
        this.job.failOver(heartbeatTimedOut(this.heartbeat.timeoutMs, lostAfterMs), 'heartbeat-timeout');
      });
    }
    this.at(fault.durationMs, () => {
      if (this.paused?.child !== child) return;
      const { stopped } = this.paused;
      this.paused = null;
      if (stopped) child.kill('SIGCONT');
      this.job.send(child, { type: 'thaw', atMs: Date.now() });
      this.job.log('Job resumed: the task process continues (SIGCONT)');
      this.job.event({ kind: 'outage-ended', faultKind: 'job-pause' });
    });
  }

  /** Tells the fault as the simulation does, so a real run's narration and timelines show it take effect. */
  private fired(kind: 'store-outage' | 'job-pause' | 'zombie-writer', durationMs: number): void {
    this.job.event({
      kind: 'fault-fired',
      faultKind: kind,
      checkpointId: null,
      detail: `${kind} for ${durationMs} ms`,
      durationMs,
    });
  }
}
