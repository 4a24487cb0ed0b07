import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  exhaustive,
  type Fault,
  HeartbeatMonitor,
  type NotifyTarget,
  Prng,
  type Scenario,
  type SimEvent,
  type TaskFailureReason,
} from '@eolab/engine';
import type { PostgresServer } from '../postgres/server';
import type { Connection } from '../task/connection';
import { CheckpointFaults, precommitCrashStage } from './checkpoint-faults';
import { DurationFaults } from './duration-faults';
import { JobEvents } from './job-events';
import { LeaseReaper } from './lease-reaper';
import type { CompletedCheckpoint, FromTask, PendingTxn, TaskConfig, TaskEvent, ToTask } from './messages';
import { TxnTimeoutSweeper } from './txn-timeout-sweeper';

/** A console line and when it was printed (ms since the epoch): the checker's lines are merged in by time. */
export interface TimedLine {
  line: string;
  atMs: number;
}

export interface AttemptFact {
  attempt: number;
  pid: number;
  startedAtMs: number;
  restoredFrom: { checkpointId: number; position: number } | null;
  /** Why it ended, when it failed. */
  failure: { detail: string; element: number | null; atMs: number; killed: boolean } | null;
}

export interface JobResult {
  finished: boolean;
  startedAtMs: number;
  endedAtMs: number;
  log: TimedLine[];
  attempts: AttemptFact[];
  restores: { checkpointId: number | null; position: number; atMs: number }[];
  checkpoints: { triggered: number; completed: number; aborted: number; failed: number };
  restarts: { attempts: number; used: number };
  emitted: number;
  /** The highest value any attempt emitted: the values after it were never emitted. */
  emittedUpTo: number;
  written: number;
  txnsBegun: number;
  txnsExpired: number;
  /** Pending transactions a restore found rolled back, and whether the lease reaper did it (and when). */
  lostTxns: { subtask: number; pending: PendingTxn; atMs: number; expiredAtMs: number | null }[];
}

export interface CoordinatorHooks {
  /** A task process was forked (tests use the pid to check a crash really killed it). */
  onAttempt?(attempt: AttemptFact): void;
  onLine?(line: TimedLine): void;
  /** Every protocol step, in the engine's event vocabulary, `t` in ms since the job's start. */
  onEvent?(event: SimEvent): void;
  /** The job's counts so far (every attempt), at `t` ms since the job's start (about every 10 ms). */
  onProgress?(progress: { emitted: number; written: number }, t: number): void;
}

interface PendingCheckpoint {
  id: number;
  triggeredAtMs: number;
  position: number | null;
  sinks: (PendingTxn[] | undefined)[];
}

const here = fileURLToPath(import.meta.url);
/**
 * The task process: compiled JavaScript beside this bundle in dist/ (what the server and the CLI
 * run; dist/ is flat), or, where the sources run (vitest, `tsx watch`), task/task-process.ts, which
 * tsx compiles on the fly.
 */
const COMPILED = here.endsWith('.js');
const TASK_PROCESS = COMPILED
  ? join(dirname(here), 'task-process.js')
  : join(dirname(here), '..', 'task', 'task-process.ts');
const TASK_EXEC_ARGV = COMPILED
  ? []
  : [
      '--import',
      join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/loader.mjs'),
    ];

/**
 * The coordinator: Flink's CheckpointCoordinator and restart strategy, in this process, in real
 * time. It triggers a checkpoint every intervalMs (one at a time), completes it when the source
 * and every sink subtask acknowledged, notifies the tasks, and on a task failure restores the job
 * from the last completed checkpoint by forking a new task process, fixed-delay, restart.attempts
 * times. Checkpoint faults strike here: crash-after-precommit (before the last acknowledgement, or
 * after every one) and crash-before-notify SIGKILL the task process at that protocol point. A lease reaper plays the Pravega controller's lease timers; on Kafka the transaction coordinator's timeout sweep does.
 */
export class Coordinator {
  private readonly result: JobResult;
  private readonly prng: Prng;
  private child: ChildProcess | null = null;
  private current: AttemptFact | null = null;
  private running = false;
  private pending: PendingCheckpoint | null = null;
  private latest: CompletedCheckpoint | null = null;
  private nextCheckpointId = 1;
  private readonly checkpointFaults: CheckpointFaults;
  /** What ends transactions nobody commits: Pravega's lease timers, or Kafka's timeout sweep. */
  private readonly reaper: LeaseReaper | TxnTimeoutSweeper;
  private readonly durationFaults: DurationFaults;
  private readonly baseProgress = { emitted: 0, written: 0, txnsBegun: 0 };
  private attemptProgress = { emitted: 0, written: 0, txnsBegun: 0 };
  private tickTimer: NodeJS.Timeout | null = null;
  /** The pending checkpoint's CheckpointCanceller. */
  private cancellerTimer: NodeJS.Timeout | null = null;
  /** Expired checkpoints in a row since the last completed one (CheckpointFailureManager). */
  private consecutiveFailures = 0;
  private faultTimers: NodeJS.Timeout[] = [];
  private jobStartMs = 0;
  private ticks = 0;
  private done!: (result: JobResult) => void;
  private ended = false;
  private finishing = false;
  /** kill() was called: the job ends when its process has. */
  private stopping = false;
  private readonly events: JobEvents;
  /** Task processes left running after a failover (zombie-writer), until they are killed or stop. */
  private readonly zombies = new Set<ChildProcess>();

  constructor(
    private readonly scenario: Scenario,
    private readonly run: string,
    private readonly url: string,
    /** The coordinator's own connection, for the lease reaper. */
    admin: Connection,
    private readonly hooks: CoordinatorHooks = {},
    /** Stops and restarts the server for a store outage (a server we started). */
    store?: PostgresServer['outage'],
  ) {
    this.prng = new Prng(scenario.seed);
    this.checkpointFaults = new CheckpointFaults(scenario.faults);
    this.events = new JobEvents(
      (event) => this.hooks.onEvent?.(event),
      () => this.jobStartMs,
    );
    const expired = (gid: string, atMs: number) => this.events.expired(gid, atMs);
    this.reaper =
      scenario.system === 'kafka'
        ? new TxnTimeoutSweeper(
            admin,
            run,
            scenario.kafka.abortTimedOutIntervalMs,
            scenario.kafka.transactionTimeoutMs,
            (line) => this.log(line),
            expired,
          )
        : new LeaseReaper(admin, run, scenario.sink.txnLeaseMs, (line) => this.log(line), expired);
    this.durationFaults = new DurationFaults(
      scenario.faults,
      new HeartbeatMonitor(
        scenario.seed,
        scenario.restart.heartbeatIntervalMs,
        scenario.restart.heartbeatTimeoutMs,
      ),
      {
        runningChild: () => (this.running && !this.finishing ? this.child : null),
        send: (child, message) => this.send(child, message),
        failOver: (detail, reason) => this.crash(detail, reason),
        zombify: (durationMs) => this.zombify(durationMs),
        abort: (detail) => {
          this.log(detail);
          this.child?.kill('SIGKILL');
          this.end(false);
        },
        log: (line) => this.log(line),
        elapsedMs: () => this.elapsedMs(),
        event: (event) => this.emit(event),
      },
      store,
    );
    this.result = {
      finished: false,
      startedAtMs: Date.now(),
      endedAtMs: 0,
      log: [],
      attempts: [],
      restores: [],
      checkpoints: { triggered: 0, completed: 0, aborted: 0, failed: 0 },
      restarts: { attempts: scenario.restart.attempts, used: 0 },
      emitted: 0,
      emittedUpTo: 0,
      written: 0,
      txnsBegun: 0,
      txnsExpired: 0,
      lostTxns: [],
    };
  }

  runJob(): Promise<JobResult> {
    return new Promise((resolve) => {
      this.done = resolve;
      this.startAttempt(null);
      this.reaper.start();
    });
  }

  /** Kills the task process now, if any (the caller gave up on the run). */
  kill(): void {
    this.stopping = true;
    // The job ends once the process is gone (onExit), so the checker never races its last writes.
    if (this.child !== null && this.child.exitCode === null && this.child.signalCode === null)
      this.child.kill('SIGKILL');
    else this.end(false);
  }

  private log(line: string, atMs = Date.now()): void {
    const timed = { line, atMs };
    this.result.log.push(timed);
    this.hooks.onLine?.(timed);
    this.emit({ kind: 'console', source: 'writer', line }, atMs);
  }

  private emit(event: TaskEvent, atMs = Date.now()): void {
    this.events.emit(event, atMs);
  }

  /** The id the next checkpoint trigger takes (a fault aimed at the `next` checkpoint waits for it). */
  upcomingCheckpointId(): number {
    return this.nextCheckpointId;
  }

  /** ms since the job's start (0 before it started). */
  elapsedMs(): number {
    return this.jobStartMs === 0 ? 0 : Date.now() - this.jobStartMs;
  }

  // ---- attempts ----

  private startAttempt(restore: CompletedCheckpoint | null): void {
    const attempt = this.result.attempts.length + 1;
    const config: TaskConfig = {
      run: this.run,
      url: this.url,
      scenario: this.scenario,
      attempt,
      restore,
      failAtElement: restore === null ? this.mapperFailElement() : 0,
      firstSubtask: this.prng.int(0, this.scenario.sink.parallelism - 1),
      nextCheckpointId: this.nextCheckpointId,
    };
    const child = fork(TASK_PROCESS, [], {
      execArgv: TASK_EXEC_ARGV,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2_000);
    });
    const fact: AttemptFact = {
      attempt,
      pid: child.pid ?? -1,
      startedAtMs: Date.now(),
      restoredFrom: restore === null ? null : { checkpointId: restore.id, position: restore.position },
      failure: null,
    };
    this.child = child;
    this.current = fact;
    this.running = false;
    this.attemptProgress = { emitted: 0, written: 0, txnsBegun: 0 };
    this.result.attempts.push(fact);
    this.hooks.onAttempt?.(fact);
    child.on('message', (message: FromTask) => this.onMessage(child, fact, message));
    child.on('exit', (code, signal) => this.onExit(child, fact, code, signal, stderr));
    this.send(child, { type: 'init', config });
  }

  private send(child: ChildProcess, message: ToTask): void {
    if (child.connected) child.send(message, () => {});
  }

  /** The sample's mapper fails at element N/2 + 1 in every attempt started fresh. */
  private mapperFailElement(): number {
    let element = 0;
    for (const f of this.scenario.faults) {
      if (f.kind === 'mapper-exception' && f.atElement !== undefined)
        element = element === 0 ? f.atElement : Math.min(element, f.atElement);
    }
    return element;
  }

  private onMessage(child: ChildProcess, fact: AttemptFact, message: FromTask): void {
    if (child !== this.child) return;
    switch (message.type) {
      case 'ready':
        this.running = true;
        if (this.jobStartMs === 0) this.startClock();
        // The first attempt's source runs on the checkpoint clock's schedule, from the same instant.
        this.send(child, { type: 'go', atMs: fact.attempt === 1 ? this.jobStartMs : Date.now() });
        break;
      case 'log':
        this.log(message.line, message.atMs);
        break;
      case 'event':
        this.events.fromTask(message.event, message.atMs, message.gid);
        break;
      case 'frozen':
        this.durationFaults.frozen(child);
        break;
      case 'progress':
        this.attemptProgress = {
          emitted: message.emitted,
          written: message.written,
          txnsBegun: message.txnsBegun,
        };
        this.result.emittedUpTo = Math.max(this.result.emittedUpTo, message.emittedUpTo);
        this.hooks.onProgress?.(
          {
            emitted: this.baseProgress.emitted + message.emitted,
            written: this.baseProgress.written + message.written,
          },
          this.elapsedMs(),
        );
        break;
      case 'ack':
        this.onAck(message);
        break;
      case 'decline':
        this.onDecline(message);
        break;
      case 'failed':
        fact.failure = {
          detail: message.detail,
          element: message.element,
          atMs: message.atMs,
          killed: false,
        };
        this.log(message.detail, message.atMs);
        this.taskFailed(fact, message.reason, message.position ?? -1);
        this.running = false;
        break;
      case 'txn-lost':
        this.result.lostTxns.push({
          subtask: message.subtask,
          pending: message.pending,
          atMs: message.atMs,
          expiredAtMs: this.reaper.expired.get(message.pending.gid) ?? null,
        });
        break;
      case 'source-finished':
        // The job finishes: the sinks close (the open transaction is rolled back) and the task exits.
        this.finishing = true;
        this.running = false;
        this.send(child, { type: 'finish' });
        break;
    }
  }

  private onExit(
    child: ChildProcess,
    fact: AttemptFact,
    code: number | null,
    signal: NodeJS.Signals | null,
    stderr: string,
  ): void {
    if (child !== this.child) return;
    this.child = null;
    this.running = false;
    const position = this.positionNow(fact);
    this.baseProgress.emitted += this.attemptProgress.emitted;
    this.baseProgress.written += this.attemptProgress.written;
    this.baseProgress.txnsBegun += this.attemptProgress.txnsBegun;
    this.attemptProgress = { emitted: 0, written: 0, txnsBegun: 0 };
    if (this.stopping) this.end(false);
    if (this.ended) return;
    if (this.finishing && code === 0) {
      this.end(true);
      return;
    }
    if (fact.failure === null) {
      const why = signal !== null ? `killed by ${signal}` : `exited with code ${code}`;
      const detail = stderr.trim().split('\n').slice(-1)[0];
      fact.failure = {
        detail: `task process ${why}${detail ? `: ${detail}` : ''}`,
        element: null,
        atMs: Date.now(),
        killed: signal !== null,
      };
      if (signal === null) this.log(fact.failure.detail);
      this.taskFailed(fact, signal === null ? 'write-error' : 'injected-crash', position);
    }
    // Its connections are gone: PostgreSQL rolled back the transactions it had open. Kafka's stay
    // open in the log (their records are there) until an InitProducerId or the timeout aborts them.
    if (this.scenario.system !== 'kafka') this.events.attemptEnded(fact.attempt, 'task-closed', Date.now());
    this.failover();
  }

  /** The task failed: restart from the latest completed checkpoint (aborting a pending one then), or fail the job. */
  private failover(): void {
    const { attempts, delayMs } = this.scenario.restart;
    const attempt = this.result.attempts.length;
    if (this.result.restarts.used >= attempts) {
      this.abortPending();
      this.emit({ kind: 'job-failed', attempt, reason: 'restart attempts exhausted' });
      this.log('Job failed: restart attempts exhausted');
      this.end(false);
      return;
    }
    this.result.restarts.used++;
    this.emit({
      kind: 'job-restarting',
      attempt,
      delayMs,
      restartsLeft: attempts - this.result.restarts.used,
    });
    setTimeout(() => {
      if (this.ended) return;
      // Flink 1.14 aborts a pending checkpoint when the restart restores state, not at the failure.
      this.abortPending();
      const checkpoint = this.latest;
      const at = Date.now();
      this.emit(
        {
          kind: 'job-restored',
          attempt: attempt + 1,
          checkpointId: checkpoint?.id ?? null,
          position: checkpoint?.position ?? -1,
        },
        at,
      );
      if (checkpoint !== null) this.log(`Restore from checkpoint at position ${checkpoint.position}`, at);
      this.result.restores.push({
        checkpointId: checkpoint?.id ?? null,
        position: checkpoint?.position ?? -1,
        atMs: at - this.jobStartMs,
      });
      this.startAttempt(checkpoint);
    }, delayMs);
  }

  /** abortPendingCheckpoints(JOB_FAILOVER_REGION): not counted as a failed checkpoint. */
  private abortPending(): void {
    if (this.pending === null) return;
    this.result.checkpoints.aborted++;
    this.abortedEvent(this.pending, 'job-failover');
    this.pending = null;
  }

  private end(finished: boolean): void {
    if (this.ended) return;
    this.ended = true;
    this.result.finished = finished;
    this.result.endedAtMs = Date.now();
    if (finished) this.emit({ kind: 'job-finished', attempt: this.result.attempts.length });
    if (this.tickTimer !== null) clearTimeout(this.tickTimer);
    if (this.cancellerTimer !== null) clearTimeout(this.cancellerTimer);
    this.reaper.stop();
    this.result.txnsExpired = this.reaper.expired.size;
    for (const t of this.faultTimers) clearTimeout(t);
    for (const zombie of this.zombies) zombie.kill('SIGKILL');
    this.durationFaults.stop();
    const p = this.baseProgress;
    this.result.emitted = p.emitted + this.attemptProgress.emitted;
    this.result.written = p.written + this.attemptProgress.written;
    this.result.txnsBegun = p.txnsBegun + this.attemptProgress.txnsBegun;
    this.done(this.result);
  }

  // ---- checkpoints ----

  /** Triggers run on a fixed grid from the job's start, as Flink's periodic scheduler does. */
  private startClock(): void {
    this.jobStartMs = Date.now();
    this.result.startedAtMs = this.jobStartMs;
    const s = this.scenario;
    this.emit({ kind: 'run-started', seed: s.seed, mode: s.mode, numEvents: s.numEvents });
    const next = () => {
      this.ticks++;
      const due = this.jobStartMs + this.ticks * this.scenario.checkpoint.intervalMs;
      this.tickTimer = setTimeout(
        () => {
          this.trigger();
          next();
        },
        Math.max(0, due - Date.now()),
      );
    };
    next();
    this.durationFaults.start();
    for (const fault of this.scenario.faults) {
      if (fault.kind === 'mapper-exception' && fault.atMs !== undefined) {
        this.faultTimers.push(setTimeout(() => this.failNextElement(), fault.atMs));
      }
    }
  }

  /**
   * One checkpoint at a time: a trigger while one is pending is skipped. The model queues it
   * (CheckpointRequestDecider) and runs it when the pending one ends; here a checkpoint can outlast
   * an interval only because the machine is loaded, and a queued trigger would then take a second
   * checkpoint right after the first, before the seed's failure, moving its restore point.
   */
  private trigger(): void {
    if (this.pending !== null) return;
    this.start();
  }

  /** Triggers a checkpoint of the running task process, if one runs. */
  private start(): void {
    const now = Date.now();
    if (this.child === null || !this.running || this.finishing) return;
    const id = this.nextCheckpointId++;
    this.result.checkpoints.triggered++;
    const pending: PendingCheckpoint = { id, triggeredAtMs: now, position: null, sinks: [] };
    this.pending = pending;
    // Flink's CheckpointCanceller: the checkpoint expires at trigger + timeoutMs if still pending.
    if (this.cancellerTimer !== null) clearTimeout(this.cancellerTimer);
    this.cancellerTimer = setTimeout(() => this.expire(pending), this.scenario.checkpoint.timeoutMs);
    this.send(this.child, { type: 'trigger', checkpointId: id });
  }

  /**
   * CHECKPOINT_EXPIRED counts against the tolerable failures (CheckpointFailureManager): beyond
   * `checkpoint.tolerableFailures` in a row the job fails over, as in the model.
   */
  private expire(pending: PendingCheckpoint): void {
    this.failPending(pending, 'timeout');
  }

  /**
   * A sink subtask's snapshotState threw (Kafka's empty producer pool): the checkpoint fails at
   * once (CHECKPOINT_DECLINED) and counts, as an expired one does.
   */
  private onDecline(message: Extract<FromTask, { type: 'decline' }>): void {
    const pending = this.pending;
    if (pending === null || pending.id !== message.checkpointId) return;
    this.log(message.why);
    this.failPending(pending, 'declined');
  }

  /** A checkpoint that expired or was declined: aborted, and counted by CheckpointFailureManager. */
  private failPending(pending: PendingCheckpoint, reason: 'timeout' | 'declined'): void {
    if (this.pending !== pending || this.ended) return;
    this.pending = null;
    this.result.checkpoints.aborted++;
    this.result.checkpoints.failed++;
    this.abortedEvent(pending, reason);
    this.consecutiveFailures++;
    if (this.consecutiveFailures <= this.scenario.checkpoint.tolerableFailures) return;
    this.consecutiveFailures = 0;
    if (!this.running) return;
    this.crash(
      `Exceeded checkpoint tolerable failure threshold: checkpoint ${pending.id} ${reason === 'timeout' ? 'expired' : 'was declined'}`,
      'checkpoint-failures',
    );
  }

  private onAck(message: Extract<FromTask, { type: 'ack' }>): void {
    const pending = this.pending;
    if (pending === null || pending.id !== message.checkpointId) return;
    if (message.task === 'source') {
      pending.position = message.position;
      // Told now that the source's position is known, at the trigger's time (the dashboard draws the span from it).
      this.emit(
        { kind: 'checkpoint-triggered', checkpointId: pending.id, position: message.position },
        pending.triggeredAtMs,
      );
    } else {
      pending.sinks[message.task] = message.pending;
      for (const txn of message.pending) this.events.known(txn);
    }
    this.emit({
      kind: 'checkpoint-acknowledged',
      checkpointId: pending.id,
      task: message.task === 'source' ? 'source' : `sink-${message.task}`,
    });
    const p = this.scenario.sink.parallelism;
    for (let i = 0; i < p; i++) if (pending.sinks[i] === undefined) return;
    if (pending.position === null) return;
    this.complete(pending, message.task === 'source' ? 0 : message.task);
  }

  /** `lastSink`: the sink subtask whose acknowledgement completed the set. */
  private complete(pending: PendingCheckpoint, lastSink: number): void {
    const id = pending.id;
    this.pending = null;
    const elapsed = this.elapsedMs();
    const before = (f: Fault) => precommitCrashStage(f) === 'before-ack';
    if (this.checkpointFaults.take('crash-after-precommit', id, elapsed, before) !== null) {
      // The last sink's acknowledgement is taken as never sent: its task died after its pre-commit,
      // so the checkpoint never completes and the restore goes back one checkpoint, as in the model.
      this.result.checkpoints.aborted++;
      this.fired(
        'crash-after-precommit',
        id,
        `sink ${lastSink} pre-committed, then dies before acknowledging: the checkpoint cannot complete`,
        { subtask: lastSink, stage: 'before-ack' },
      );
      this.abortedEvent(pending, 'job-failover');
      this.crash(`sink ${lastSink} died after pre-committing checkpoint ${id}, before acknowledging it`);
      return;
    }
    this.latest = { id, position: pending.position!, sinks: pending.sinks.map((s) => s ?? []) };
    this.result.checkpoints.completed++;
    this.consecutiveFailures = 0;
    this.emit({
      kind: 'checkpoint-completed',
      checkpointId: id,
      position: pending.position!,
      durationMs: Math.max(0, Date.now() - pending.triggeredAtMs),
    });
    if (this.checkpointFaults.take('crash-after-precommit', id, elapsed) !== null) {
      // After every acknowledgement: they completed the checkpoint; the restore commits it.
      this.fired(
        'crash-after-precommit',
        id,
        `every task acknowledged; then sink ${lastSink} dies: the acknowledgements complete the checkpoint`,
        { subtask: lastSink, stage: 'after-acks' },
      );
      this.crash(`sink ${lastSink} died after every task acknowledged checkpoint ${id}`);
      return;
    }
    if (this.checkpointFaults.take('crash-before-notify', id, this.elapsedMs()) !== null) {
      this.fired('crash-before-notify', id, 'completed; the job crashes before the notification');
      this.crash(`crash after checkpoint ${id} completed, before notification`);
      return;
    }
    const lost = this.checkpointFaults.take('notify-lost', id, this.elapsedMs());
    const target = lost?.kind === 'notify-lost' ? (lost.target ?? 'all') : null;
    if (target !== null) this.fired('notify-lost', id, 'the completion notification is lost', { target });
    const p = this.scenario.sink.parallelism;
    const sinkReached = (i: number) =>
      target === null || (target !== 'all' && target !== 'sinks' && target !== i);
    if (this.child !== null) {
      const source = target === null || target === 'sinks' || typeof target === 'number';
      const sinks = Array.from({ length: p }, (_, i) => sinkReached(i));
      this.send(this.child, { type: 'notify', checkpointId: id, source, sinks });
      if (source) this.emit({ kind: 'checkpoint-notified', checkpointId: id, task: 'source' });
      sinks.forEach((reached, i) => {
        if (reached) this.emit({ kind: 'checkpoint-notified', checkpointId: id, task: `sink-${i}` });
      });
    }
  }

  private abortedEvent(pending: PendingCheckpoint, reason: 'job-failover' | 'timeout' | 'declined'): void {
    // A checkpoint aborted before the source told its position was never drawn: it is, now.
    if (pending.position === null)
      this.emit(
        { kind: 'checkpoint-triggered', checkpointId: pending.id, position: -1 },
        pending.triggeredAtMs,
      );
    this.emit({ kind: 'checkpoint-aborted', checkpointId: pending.id, reason });
  }

  private fired(
    kind: Fault['kind'],
    checkpointId: number | null,
    detail: string,
    /** Whom a lost notification would have reached; the sink a crash strikes and when: as the simulation's event says. */
    extra: { target?: NotifyTarget; subtask?: number; stage?: 'before-ack' | 'after-acks' } = {},
  ): void {
    this.emit({
      kind: 'fault-fired',
      faultKind: kind,
      checkpointId,
      detail: checkpointId === null ? detail : `checkpoint ${checkpointId}: ${detail}`,
      ...extra,
    });
  }

  private failNextElement(): void {
    if (this.child === null || !this.running) return;
    this.fired('mapper-exception', null, 'the mapper throws at its next element');
    this.send(this.child, { type: 'fail-next-element' });
  }

  /** The attempt failed (told when it happens: its process closes its transactions after). */
  private taskFailed(fact: AttemptFact, reason: TaskFailureReason, position: number): void {
    const failure = fact.failure!;
    this.emit(
      {
        kind: 'task-failed',
        attempt: fact.attempt,
        reason,
        position,
        element: failure.element,
        detail: failure.detail,
      },
      failure.atMs,
    );
  }

  /** The source's position as the task last reported it (a SIGKILL leaves no word of its own). */
  private positionNow(fact: AttemptFact): number {
    const start = fact.restoredFrom?.position ?? 0;
    return Math.max(start, 0) + this.attemptProgress.emitted;
  }

  /**
   * A fault clicked while the job runs. Checkpoint faults join the plan (aimed at checkpoint K or
   * at the first checkpoint reaching their stage after atMs, ms since the job's start); a
   * mapper-exception fails the next element now or at atMs. Throws, with the reason, for a fault
   * this backend does not reproduce live.
   */
  inject(fault: Fault): void {
    if (this.ended) throw new Error('the job has ended: no fault can change it');
    switch (fault.kind) {
      case 'mapper-exception': {
        const delay = fault.atMs === undefined ? 0 : Math.max(0, fault.atMs - this.elapsedMs());
        this.faultTimers.push(setTimeout(() => this.failNextElement(), delay));
        break;
      }
      case 'crash-after-precommit':
      case 'crash-before-notify':
      case 'notify-lost':
        this.checkpointFaults.add(fault);
        break;
      case 'store-outage':
      case 'job-pause':
        this.durationFaults.add(fault, this.elapsedMs());
        break;
      case 'zombie-writer':
        if (this.scenario.system !== 'kafka')
          throw new Error('zombie-writer cannot be injected into a running real job on Pravega');
        this.durationFaults.add(fault, this.elapsedMs());
        break;
      // What this backend cannot reproduce (faults.ts says why); the server refuses them first.
      case 'controller-outage':
      case 'commit-rejected':
      case 'crash-during-commit':
      case 'checkpoint-abort':
        throw new Error(`${fault.kind} cannot be injected into a running real job`);
      default:
        exhaustive(fault);
    }
    this.emit({ kind: 'fault-injected', fault });
  }

  /**
   * The TaskManager is lost to the coordinator but its process goes on (a zombie): the job fails
   * over as for a crash, while the old task process keeps its source and sinks running, its
   * messages no longer heard, until it is SIGKILLed `durationMs` later or stops by itself (a
   * fenced producer fails its task). No checkpoint reaches it any more.
   */
  private zombify(durationMs: number): void {
    const child = this.child;
    const fact = this.current;
    if (child === null || fact === null) return;
    this.running = false;
    const detail = `TaskManager lost: the job fails over while attempt ${fact.attempt} keeps running for ${durationMs} ms`;
    fact.failure = { detail, element: null, atMs: Date.now(), killed: false };
    this.taskFailed(fact, 'injected-crash', this.positionNow(fact));
    // Let go of it: its messages and its exit are no longer the job's (child !== this.child).
    this.child = null;
    this.baseProgress.emitted += this.attemptProgress.emitted;
    this.baseProgress.written += this.attemptProgress.written;
    this.baseProgress.txnsBegun += this.attemptProgress.txnsBegun;
    this.attemptProgress = { emitted: 0, written: 0, txnsBegun: 0 };
    this.zombies.add(child);
    const stopped = () => {
      if (!this.zombies.delete(child)) return;
      this.emit({ kind: 'zombie-stopped', attempt: fact.attempt });
    };
    child.on('exit', stopped);
    this.faultTimers.push(
      setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }, durationMs),
    );
    this.failover();
  }

  /** A real crash: SIGKILL, no cleanup in the task process; its connections drop and PostgreSQL rolls back their open transactions. */
  private crash(detail: string, reason: TaskFailureReason = 'injected-crash'): void {
    const child = this.child;
    const fact = this.current;
    if (child === null || fact === null) return;
    this.running = false;
    fact.failure = { detail, element: null, atMs: Date.now(), killed: true };
    this.log(detail);
    this.taskFailed(fact, reason, this.positionNow(fact));
    child.kill('SIGKILL');
  }
}
