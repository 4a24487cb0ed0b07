import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Prng, type Scenario } from '@eolab/engine';
import { CheckpointFaults } from './checkpoint-faults';
import type { Connection } from './connection';
import { DurationFaults } from './duration-faults';
import { LeaseReaper } from './lease-reaper';
import type { CompletedCheckpoint, FromTask, PendingTxn, TaskConfig, ToTask } from './messages';
import type { PostgresServer } from './server';

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
}

interface PendingCheckpoint {
  id: number;
  triggeredAtMs: number;
  position: number | null;
  sinks: (PendingTxn[] | undefined)[];
}

const here = dirname(fileURLToPath(import.meta.url));
const TASK_PROCESS = join(here, 'task-process.ts');
// The task process is TypeScript like the rest of the CLI: tsx compiles it on the fly.
const TSX_LOADER = join(
  dirname(createRequire(import.meta.url).resolve('tsx/package.json')),
  'dist/loader.mjs',
);

/**
 * The coordinator: Flink's CheckpointCoordinator and restart strategy, in this process, in real
 * time. It triggers a checkpoint every intervalMs (one at a time), completes it when the source
 * and every sink subtask acknowledged, notifies the tasks, and on a task failure restores the job
 * from the last completed checkpoint by forking a new task process, fixed-delay, restart.attempts
 * times. Checkpoint faults strike here: crash-after-precommit and crash-before-notify SIGKILL the
 * task process at that protocol point. A lease reaper plays the Pravega controller's lease timers.
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
  private readonly reaper: LeaseReaper;
  private readonly durationFaults: DurationFaults;
  private readonly baseProgress = { emitted: 0, written: 0, txnsBegun: 0 };
  private attemptProgress = { emitted: 0, written: 0, txnsBegun: 0 };
  private tickTimer: NodeJS.Timeout | null = null;
  private faultTimers: NodeJS.Timeout[] = [];
  private jobStartMs = 0;
  private ticks = 0;
  private done!: (result: JobResult) => void;
  private ended = false;
  private finishing = false;

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
    this.reaper = new LeaseReaper(admin, run, scenario.sink.txnLeaseMs, (line) => this.log(line));
    this.durationFaults = new DurationFaults(
      scenario.faults,
      scenario.restart,
      {
        runningChild: () => (this.running && !this.finishing ? this.child : null),
        send: (child, message) => this.send(child, message),
        failOver: (detail) => this.crash(detail),
        abort: (detail) => {
          this.log(detail);
          this.child?.kill('SIGKILL');
          this.end(false);
        },
        log: (line) => this.log(line),
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
    this.child?.kill('SIGKILL');
    this.end(false);
  }

  private log(line: string, atMs = Date.now()): void {
    const timed = { line, atMs };
    this.result.log.push(timed);
    this.hooks.onLine?.(timed);
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
    };
    const child = fork(TASK_PROCESS, [], {
      execArgv: ['--import', TSX_LOADER],
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
      case 'frozen':
        this.durationFaults.frozen(child);
        break;
      case 'progress':
        this.attemptProgress = {
          emitted: message.emitted,
          written: message.written,
          txnsBegun: message.txnsBegun,
        };
        break;
      case 'ack':
        this.onAck(message);
        break;
      case 'failed':
        fact.failure = {
          detail: message.detail,
          element: message.element,
          atMs: message.atMs,
          killed: false,
        };
        this.log(message.detail, message.atMs);
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
    this.baseProgress.emitted += this.attemptProgress.emitted;
    this.baseProgress.written += this.attemptProgress.written;
    this.baseProgress.txnsBegun += this.attemptProgress.txnsBegun;
    this.attemptProgress = { emitted: 0, written: 0, txnsBegun: 0 };
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
    }
    this.failover();
  }

  /** The task failed: abort the pending checkpoint, then restart from the latest completed one, or fail the job. */
  private failover(): void {
    if (this.pending !== null) {
      this.result.checkpoints.aborted++;
      this.pending = null;
    }
    const { attempts, delayMs } = this.scenario.restart;
    if (this.result.restarts.used >= attempts) {
      this.log('Job failed: restart attempts exhausted');
      this.end(false);
      return;
    }
    this.result.restarts.used++;
    setTimeout(() => {
      if (this.ended) return;
      const checkpoint = this.latest;
      const at = Date.now();
      if (checkpoint !== null) this.log(`Restore from checkpoint at position ${checkpoint.position}`, at);
      this.result.restores.push({
        checkpointId: checkpoint?.id ?? null,
        position: checkpoint?.position ?? -1,
        atMs: at - this.jobStartMs,
      });
      this.startAttempt(checkpoint);
    }, delayMs);
  }

  private end(finished: boolean): void {
    if (this.ended) return;
    this.ended = true;
    this.result.finished = finished;
    this.result.endedAtMs = Date.now();
    if (this.tickTimer !== null) clearTimeout(this.tickTimer);
    this.reaper.stop();
    this.result.txnsExpired = this.reaper.expired.size;
    for (const t of this.faultTimers) clearTimeout(t);
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
        this.faultTimers.push(
          setTimeout(() => {
            if (this.child !== null && this.running) this.send(this.child, { type: 'fail-next-element' });
          }, fault.atMs),
        );
      }
    }
  }

  private trigger(): void {
    const now = Date.now();
    if (this.pending !== null) {
      // A checkpoint pending past its timeout expires (noticed at the next trigger, as in the model).
      if (now - this.pending.triggeredAtMs < this.scenario.checkpoint.timeoutMs) return;
      this.result.checkpoints.aborted++;
      this.result.checkpoints.failed++;
      this.pending = null;
    }
    if (this.child === null || !this.running || this.finishing) return;
    const id = this.nextCheckpointId++;
    this.result.checkpoints.triggered++;
    this.pending = { id, triggeredAtMs: now, position: null, sinks: [] };
    this.send(this.child, { type: 'trigger', checkpointId: id });
  }

  private onAck(message: Extract<FromTask, { type: 'ack' }>): void {
    const pending = this.pending;
    if (pending === null || pending.id !== message.checkpointId) return;
    if (message.task === 'source') pending.position = message.position;
    else pending.sinks[message.task] = message.pending;
    const p = this.scenario.sink.parallelism;
    for (let i = 0; i < p; i++) if (pending.sinks[i] === undefined) return;
    if (pending.position === null) return;
    this.complete(pending);
  }

  private complete(pending: PendingCheckpoint): void {
    const id = pending.id;
    this.pending = null;
    if (this.checkpointFaults.take('crash-after-precommit', id, this.elapsedMs()) !== null) {
      // Every sink pre-committed, the checkpoint never completes: the restore goes back one checkpoint.
      this.result.checkpoints.aborted++;
      this.crash(`crash after every sink pre-committed checkpoint ${id}`);
      return;
    }
    this.latest = { id, position: pending.position!, sinks: pending.sinks.map((s) => s ?? []) };
    this.result.checkpoints.completed++;
    if (this.checkpointFaults.take('crash-before-notify', id, this.elapsedMs()) !== null) {
      this.crash(`crash after checkpoint ${id} completed, before notification`);
      return;
    }
    const lost = this.checkpointFaults.take('notify-lost', id, this.elapsedMs());
    const target = lost?.kind === 'notify-lost' ? (lost.target ?? 'all') : null;
    const p = this.scenario.sink.parallelism;
    const sinkReached = (i: number) =>
      target === null || (target !== 'all' && target !== 'sinks' && target !== i);
    if (this.child !== null) {
      this.send(this.child, {
        type: 'notify',
        checkpointId: id,
        source: target === null || target === 'sinks' || typeof target === 'number',
        sinks: Array.from({ length: p }, (_, i) => sinkReached(i)),
      });
    }
  }

  private elapsedMs(): number {
    return Date.now() - this.jobStartMs;
  }

  /** A real crash: SIGKILL, no cleanup in the task process; its connections drop and PostgreSQL rolls back their open transactions. */
  private crash(detail: string): void {
    const child = this.child;
    const fact = this.current;
    if (child === null || fact === null) return;
    this.running = false;
    fact.failure = { detail, element: null, atMs: Date.now(), killed: true };
    this.log(detail);
    child.kill('SIGKILL');
  }
}
