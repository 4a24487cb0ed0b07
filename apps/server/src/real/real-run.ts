import {
  asStopped,
  Counter,
  type EventListener,
  EventListeners,
  type Fault,
  faultEntry,
  type InjectRequest,
  type JobState,
  Metrics,
  type Report,
  type Scenario,
  type SimEvent,
} from '@eolab/engine';
import type { CheckResult, JobControl, PostgresServer, ReadRow } from '@eolab/postgres-backend';
import type { RunBackend } from '@eolab/protocol';
import type { Logger } from 'pino';
import { bucketMsFor, MAX_BUCKETS } from '../runs/live-run';
import { RunError } from '../runs/run-error';
import type { RunModel } from '../runs/run-model';
import { startWatchdog } from './orphans';
import { PostgresSupervisor } from './pg-supervisor';

type Backend = typeof import('@eolab/postgres-backend');

/** Values listed per duplicate-found or value-missing event, as the engine's checker does. */
const EVENT_SAMPLE = 20;

/**
 * The real backend for the server: loads packages/postgres-backend on the first real run (it is
 * TypeScript that tsx runs, its task processes too), starts one PostgreSQL for the server's life
 * (or uses EOLAB_POSTGRES_URL), and lets one real job run at a time: each forks a task process and
 * writes for real, and two at once on a small machine would change each other's timing.
 */
export class RealBackend {
  private module: Promise<Backend> | null = null;
  private server: Promise<PostgresServer> | null = null;
  private busy: RealSlot | null = null;
  private closed = false;
  /** Notices PostgreSQL dying under the server (pg-supervisor.ts). */
  private readonly supervisor = new PostgresSupervisor((server, reason) => this.postgresDied(server, reason));

  /** `maxRunMs`: a real run is stopped after this long, so it cannot hold the one real-run slot for hours. */
  constructor(
    private readonly log: Logger,
    readonly maxRunMs = 30 * 60_000,
  ) {}

  /** What /api/health says about PostgreSQL. */
  health() {
    return this.supervisor.health();
  }

  /** Looks at PostgreSQL now rather than at the next poll (tests). */
  lookAtPostgres(): void {
    this.supervisor.look();
  }

  /**
   * Everything a real run needs before it is created: the scenario checked against what the
   * backend can do (400 naming each field), PostgreSQL up (503 saying why not), no other real run.
   */
  async prepare(scenario: Scenario): Promise<PreparedRealRun> {
    if (this.closed) throw new RunError(503, 'backend: the server is stopping');
    this.refuseIfBusy();
    const pg = await this.load();
    const reasons = pg.unsupportedReasons(scenario);
    if (reasons.length > 0) throw new RunError(400, reasons.map((r) => `scenario.${r}`).join('; '));
    // A PostgreSQL that died since the last poll is noticed now, and a fresh one started for this run.
    this.supervisor.look();
    const server = await this.postgres(pg);
    return { pg, server, scenario };
  }

  /**
   * PostgreSQL up and the backend loaded for a sweep of random schedules on it (the Sweeps page's
   * `eolab verify --schedules`): the checks a run's `prepare` makes, without a scenario.
   */
  async prepareSweep(): Promise<PreparedRealSweep> {
    if (this.closed) throw new RunError(503, 'backend: the server is stopping');
    this.refuseIfBusy();
    const pg = await this.load();
    this.supervisor.look();
    return { pg, server: await this.postgres(pg) };
  }

  /** The PostgreSQL this server uses, once one was started (tests check it stops with the server). */
  async current(): Promise<PostgresServer | null> {
    return (await this.server?.catch(() => null)) ?? null;
  }

  /** Claims the one real-run slot for this job, until it ends. */
  claim(job: RealSlot): void {
    this.refuseIfBusy();
    this.busy = job;
  }

  release(job: RealSlot): void {
    if (this.busy === job) this.busy = null;
  }

  /**
   * The committed rows of the last few real runs, for "Find a value" (a real run cannot be
   * replayed): kept in memory while the server runs, the newest KEPT_ROW_SETS runs' worth.
   */
  private readonly rowSets = new Map<string, RealRows>();

  keepRows(runId: string, rows: RealRows): void {
    this.rowSets.set(runId, rows);
    if (this.rowSets.size > KEPT_ROW_SETS) this.rowSets.delete(this.rowSets.keys().next().value!);
  }

  rowsOf(runId: string): RealRows | null {
    return this.rowSets.get(runId) ?? null;
  }

  /** Stops the running job, if any, and the PostgreSQL this server started. */
  async close(): Promise<void> {
    this.closed = true;
    this.supervisor.unwatch();
    this.busy?.stop();
    const server = await this.server?.catch(() => null);
    await server?.stop().catch(() => {});
  }

  /**
   * PostgreSQL died without being asked: the running real run ends now as a backend failure (not in
   * 111 s as a LOSS), the dead server's leftovers go, and a fresh one is started for the next run.
   */
  private postgresDied(dead: PostgresServer, reason: string): void {
    this.log.error(
      { reason },
      'PostgreSQL died: the running real run ends as a backend failure; starting a new one',
    );
    this.busy?.backendFailed(reason);
    this.server = null;
    void dead.stop().catch(() => {});
    if (!this.closed && this.module !== null)
      void this.module.then((pg) => this.postgres(pg)).catch(() => {});
  }

  private refuseIfBusy(): void {
    if (this.busy !== null)
      throw new RunError(
        409,
        `backend: a real run (${this.busy.runId}) is still going: real runs go one at a time; wait for it or stop it`,
      );
  }

  private load(): Promise<Backend> {
    // Loaded on the first real run: a server that runs only the model never loads pg.
    this.module ??= import('@eolab/postgres-backend');
    return this.module;
  }

  /** The server's PostgreSQL, started on first use; a start that failed is tried again by the next run. */
  private async postgres(pg: Backend): Promise<PostgresServer> {
    if (this.server === null) {
      // From here on the server has processes of its own: they must not outlive it (orphans.ts).
      startWatchdog();
      // The server's own shutdown stops PostgreSQL (bounded, after the runs' last saves): no exit on signals.
      const started = pg.startPostgres({ exitOnSignal: false });
      this.server = started;
      this.supervisor.starting();
      started.then(
        (s) => {
          if (this.closed) return void s.stop().catch(() => {});
          this.log.info({ version: s.version, kind: s.kind }, 'PostgreSQL ready for real runs');
          this.supervisor.watch(s);
        },
        (error: unknown) => {
          if (this.server === started) this.server = null;
          this.supervisor.startFailed(error instanceof Error ? error.message : String(error));
        },
      );
    }
    try {
      return await this.server;
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      this.log.warn({ why }, 'PostgreSQL unavailable: real runs refused, simulated runs go on');
      throw new RunError(503, `backend: PostgreSQL is unavailable: ${why}`);
    }
  }
}

export interface PreparedRealSweep {
  pg: Backend;
  server: PostgresServer;
}

/** What holds the one real-run slot: a real run, or a sweep of real runs. */
export interface RealSlot {
  runId: string;
  stop(): void;
  backendFailed(reason: string): void;
}
/** A real run's committed rows in commit order, and the job's start (ms since the epoch) their times count from. */
export interface RealRows {
  rows: readonly ReadRow[];
  startMs: number;
}

/** Real runs whose rows the server keeps for "Find a value". */
const KEPT_ROW_SETS = 16;

export interface PreparedRealRun {
  pg: Backend;
  server: PostgresServer;
  scenario: Scenario;
}

/**
 * One real job as a live run's model: the sample's job against PostgreSQL (runOnPostgres) in real
 * time. Its protocol steps arrive as the engine's events (ms since the job's start), its counts feed
 * the engine's metrics buckets, and the checker's reads (when the job has ended: it reads the
 * committed rows then) are drawn at the moment each row became visible. Clicked faults are injected
 * into the running job where the backend supports them.
 */
export class RealJob implements RunModel {
  readonly realTime = true;
  readonly metrics: Metrics;
  readonly backend: RunBackend;
  stopRequested = false;
  private readonly listeners = new EventListeners();
  private readonly timeline: Fault[];
  private control: JobControl | null = null;
  private started = false;
  private ended = false;
  private endMs = 0;
  private lastT = 0;
  private finished = false;
  private finalReport: Report | null = null;
  private readonly progress = { emitted: 0, written: 0 };
  private openTxns = 0;
  /** Stops the job when the server's limit on a real run's length runs out. */
  private timeLimit: NodeJS.Timeout | null = null;
  private timedOut = false;

  constructor(
    private readonly prepared: PreparedRealRun,
    private readonly owner: RealBackend,
    readonly runId: string,
    private readonly log: Logger,
  ) {
    const scenario = prepared.scenario;
    this.metrics = new Metrics(bucketMsFor(scenario), MAX_BUCKETS);
    this.timeline = scenario.faults.map((f) => ({ ...f }));
    this.backend = { kind: 'postgres', version: prepared.server.version };
    owner.claim(this);
  }

  get scenario(): Scenario {
    return this.prepared.scenario;
  }

  on(listener: EventListener): () => void {
    return this.listeners.add(listener);
  }

  get nowMs(): number {
    if (this.ended) return this.endMs;
    return Math.max(this.lastT, Math.round(this.control?.elapsedMs() ?? 0));
  }

  get done(): boolean {
    return this.ended;
  }

  get jobState(): JobState {
    if (!this.ended) return 'running';
    return this.finished ? 'finished' : 'failed';
  }

  faultTimeline(): Fault[] {
    return this.timeline.map((f) => ({ ...f }));
  }

  /** Starts the job on the first call (the run was started); then keeps the buckets up to the wall clock. */
  advanceTo(): void {
    if (!this.started) this.start();
    if (!this.ended && this.control !== null) this.metrics.flush(this.nowMs);
  }

  stop(): void {
    this.stopRequested = true;
    if (this.started && !this.ended) this.deliver({ t: this.nowMs, kind: 'run-stopped' });
    if (this.control !== null) this.control.kill();
    else if (!this.started) this.owner.release(this);
  }

  refusal(request: InjectRequest): string | null {
    const why = this.prepared.pg.whyUnsupported(request.kind, this.prepared.scenario.system);
    if (why !== null) return `${request.kind} is not supported by the postgres backend: ${why}`;
    if (this.ended) return 'the run has ended: no fault can change it';
    if (this.control === null) return 'the real job has not started yet: try again in a moment';
    if (request.kind === 'store-outage' && this.prepared.server.outage === undefined)
      return "store-outage stops the PostgreSQL server, and the one EOLAB_POSTGRES_URL names is not eolab's to stop";
    if (request.atMs !== undefined && request.checkpoint !== undefined)
      return 'aim a fault at a time or at a checkpoint, not both';
    if (request.atMs !== undefined && request.atMs <= this.nowMs)
      return `${request.atMs} ms has passed (the job is at ${this.nowMs} ms)`;
    const next = this.control.upcomingCheckpointId();
    if (typeof request.checkpoint === 'number' && request.checkpoint < next)
      return `checkpoint ${request.checkpoint} was already triggered: aim at ${next} or later`;
    if (request.checkpoint !== undefined && request.kind === 'mapper-exception')
      return 'mapper-exception cannot be aimed at a checkpoint: it acts at an element or a time';
    return null;
  }

  inject(request: InjectRequest): Fault {
    const refused = this.refusal(request);
    if (refused !== null) throw new RunError(409, `fault: ${refused}`);
    const control = this.control!;
    const fault = this.aim(request, control);
    try {
      control.inject(fault);
    } catch (error) {
      throw new RunError(409, `fault: ${(error as Error).message}`);
    }
    this.timeline.push(fault);
    return fault;
  }

  /** The fault a request becomes: its catalogue entry's aim, at the real job's time and checkpoints. */
  private aim(request: InjectRequest, control: JobControl): Fault {
    const checkpoint = request.checkpoint === 'next' ? control.upcomingCheckpointId() : request.checkpoint;
    const where = {
      atMs: request.atMs ?? this.nowMs + 1,
      ...(checkpoint === undefined ? {} : { checkpoint }),
    };
    const { mode, sink } = this.prepared.scenario;
    // The real job restarts on its own: `refusal` above says what it cannot take, not the model's rules.
    const run = { mode, parallelism: sink.parallelism, restarting: false };
    return faultEntry(request.kind).aim(request, where, run, (reason) => {
      throw new RunError(409, `fault: ${reason}`);
    });
  }

  report(): Report {
    return this.finalReport ?? this.unchecked('the run was stopped before its job was checked', 'stopped');
  }

  // ---- the job ----

  /**
   * PostgreSQL died under the job: its watchers are told, the task process is killed, and the run
   * ends now as a backend failure (INCOMPLETE: nothing could be read, so nothing is judged lost).
   */
  backendFailed(reason: string): void {
    if (this.ended) return;
    this.deliver({ t: this.nowMs, kind: 'console', source: 'writer', line: `PostgreSQL died: ${reason}` });
    this.control?.kill();
    this.end(this.unchecked(`PostgreSQL died during the run: ${reason}`, 'backend-failed'), false);
  }

  private start(): void {
    this.started = true;
    this.timeLimit = setTimeout(() => this.stopForTime(), this.owner.maxRunMs);
    this.timeLimit.unref();
    const { pg, server, scenario } = this.prepared;
    pg.runOnPostgres(scenario, {
      server,
      onJob: (control) => {
        this.control = control;
      },
      onEvent: (e) => this.onEvent(e),
      onProgress: (p, t) => this.onProgress(p, t),
      onChecked: (rows, checked, startMs) => this.onChecked(rows, checked, startMs),
    }).then(
      // A stopped job was checked for what it wrote, but its missing values are not judged.
      (report) =>
        this.end(this.stopRequested ? this.withTimeLimit(asStopped(report)) : report, report.finished),
      (error: unknown) => {
        const why = error instanceof Error ? error.message : String(error);
        this.log.warn({ runId: this.runId, why }, 'real run failed before it could be checked');
        this.end(this.unchecked(`PostgreSQL: ${why}`, this.stopRequested ? 'stopped' : 'job-failed'), false);
      },
    );
  }

  private stopForTime(): void {
    if (this.ended) return;
    this.timedOut = true;
    this.deliver({ t: this.nowMs, kind: 'console', source: 'writer', line: this.timeLimitLine() });
    this.stop();
  }

  private timeLimitLine(): string {
    return `Stopped: a real run may last ${Math.round(this.owner.maxRunMs / 1000)} s (EOLAB_MAX_REAL_RUN_SECONDS)`;
  }

  private withTimeLimit(report: Report): Report {
    return this.timedOut ? { ...report, log: [...report.log, this.timeLimitLine()] } : report;
  }

  private deliver(e: SimEvent): void {
    this.lastT = Math.max(this.lastT, e.t);
    this.listeners.tell(e);
  }

  private onEvent(e: SimEvent): void {
    if (this.ended) return;
    switch (e.kind) {
      case 'txn-begun':
        this.setOpen(e.t, this.openTxns + 1);
        break;
      case 'txn-committed':
        this.metrics.count(Counter.committed, e.t, e.events);
        this.setOpen(e.t, this.openTxns - 1);
        break;
      case 'txn-aborted':
      case 'txn-expired':
        this.setOpen(e.t, this.openTxns - 1);
        break;
    }
    this.deliver(e);
  }

  private setOpen(t: number, open: number): void {
    this.openTxns = Math.max(0, open);
    this.metrics.setOpenTxns(t, this.openTxns);
  }

  private onProgress(p: { emitted: number; written: number }, t: number): void {
    if (this.ended) return;
    const emitted = p.emitted - this.progress.emitted;
    const written = p.written - this.progress.written;
    if (emitted > 0) this.metrics.count(Counter.emitted, t, emitted);
    if (written > 0) {
      this.metrics.count(Counter.written, t, written);
      // A plain insert is visible once PostgreSQL acknowledged it; a transaction's rows at its commit.
      if (this.scenario.mode !== 'EXACTLY_ONCE') this.metrics.count(Counter.committed, t, written);
    }
    this.progress.emitted = Math.max(this.progress.emitted, p.emitted);
    this.progress.written = Math.max(this.progress.written, p.written);
  }

  /**
   * The checker read the committed rows (in commit order) once the job ended: each read is drawn
   * when its row became visible; the checker's lines and findings are told now, when they were read.
   */
  private onChecked(rows: readonly ReadRow[], checked: CheckResult, startMs: number): void {
    this.owner.keepRows(this.runId, { rows, startMs });
    const n = this.scenario.numEvents;
    const reads = new Uint8Array(n + 1);
    for (const row of rows) {
      const v = row.value;
      if (!(v >= 1 && v <= n)) continue;
      const t = Math.max(0, Math.round(row.visibleAtMs - startMs));
      this.metrics.count(Counter.read, t, 1);
      if (reads[v] === 0)
        this.metrics.recordLatency(t, Math.max(0, Math.round(row.visibleAtMs - row.emittedAtMs)));
      else if (reads[v] === 1) this.metrics.count(Counter.duplicates, t, 1);
      reads[v] = Math.min(2, reads[v]! + 1);
    }
    // Buckets already sent changed: a new layout makes every watcher take the series whole again.
    this.metrics.layoutVersion++;
    this.metrics.extra.duplicateReads = checked.duplicateReads;
    this.metrics.extra.missing = checked.missing.length;
    const t = this.nowMs;
    for (const { line } of checked.lines) this.deliver({ t, kind: 'console', source: 'checker', line });
    if (checked.duplicates.length > 0)
      this.deliver({
        t,
        kind: 'duplicate-found',
        count: checked.duplicates.length,
        values: checked.duplicates.slice(0, EVENT_SAMPLE),
      });
    if (checked.missing.length > 0)
      this.deliver({
        t,
        kind: 'value-missing',
        count: checked.missing.length,
        values: checked.missing.slice(0, EVENT_SAMPLE),
      });
  }

  private end(report: Report, finished: boolean): void {
    // A job ended by its backend's death may still settle later (its checker gives up): once is all.
    if (this.ended) return;
    if (this.timeLimit !== null) clearTimeout(this.timeLimit);
    this.endMs = this.nowMs;
    this.finished = finished;
    this.finalReport = report;
    this.metrics.setOpenTxns(this.endMs, report.transactions.open);
    this.metrics.flush(this.endMs);
    this.deliver({ t: this.endMs, kind: 'run-ended', finished });
    this.ended = true;
    this.owner.release(this);
  }

  /**
   * The report of a real run that could not be checked (PostgreSQL went away, or a stop before the
   * start): nothing was read, so nothing can be vouched for (INCOMPLETE, nothing judged missing),
   * and the log says why.
   */
  private unchecked(why: string, ending: 'stopped' | 'job-failed' | 'backend-failed'): Report {
    const s = this.scenario;
    return {
      version: 2,
      name: s.name,
      mode: s.mode,
      seed: s.seed,
      numEvents: s.numEvents,
      verdict: 'INCOMPLETE',
      ending,
      duplicates: [],
      missing: [],
      markerWindow: { lines: [], verdict: null, duplicates: 0 },
      counts: {
        emitted: this.progress.emitted,
        written: this.progress.written,
        committed: 0,
        read: 0,
        duplicates: 0,
        duplicateReads: 0,
        missing: 0,
        lost: 0,
        neverEmitted: Math.max(0, s.numEvents - this.progress.emitted),
        writeFailures: 0,
      },
      checkpoints: { triggered: 0, completed: 0, aborted: 0, failed: 0 },
      restores: [],
      restarts: { attempts: s.restart.attempts, used: 0 },
      transactions: { begun: 0, committed: 0, aborted: 0, expired: 0, commitFailed: 0, open: 0 },
      latencyMs: { p50: 0, p99: 0, max: 0 },
      causes: { duplicates: [], missing: [], unexplained: { duplicates: 0, missing: 0 } },
      log: [`The checker read nothing: ${why}`],
      logOmitted: 0,
      finished: false,
      backend: 'postgres',
      durationMs: this.nowMs,
      faults: this.faultTimeline(),
    };
  }
}
