import { type EventListener, EventListeners, type SimEvent, type TaskFailureReason } from '../events';
import { invariant, type SimContext } from '../kernel/context';
import { Prng } from '../kernel/prng';
import { Scheduler } from '../kernel/scheduler';
import type { ValueTracer } from '../kernel/value-tracer';
import { Checker } from '../model/checker';
import { CHECKPOINT_FAULT_FIRED, CheckpointFaultPlan } from '../model/checkpoint-fault-plan';
import { CheckpointCoordinator } from '../model/coordinator';
import { HeartbeatMonitor } from '../model/heartbeat';
import { Attempt } from '../model/job';
import { KafkaStore } from '../model/kafka/kafka-store';
import { StreamStore } from '../model/stream-store';
import type { TaskFailure } from '../model/task';
import type { Fault, InjectRequest, Scenario } from '../scenario/schema';
import { aimFault, InjectRefused } from './aim';
import { FaultInjector, type JobControl } from './fault-injector';
import { horizonOf } from './horizon';
import type { JobState } from './job-state';
import { FIRST_BUCKET_MS, Metrics } from './metrics';
import { REPORT_LOG_LIMIT, type Report, type RunEnding, type RunSummary } from './report';
import { reportOf, type SummaryParts, summaryOf } from './report-of';

export { InjectRefused } from './aim';
export type { JobState } from './job-state';

export interface SimulationOptions {
  /** Width of a metrics bucket in virtual ms at the start (it doubles as the run grows). */
  bucketMs?: number;
  /** Most buckets the metrics series holds. */
  maxBuckets?: number;
  /** Follows a few values through the run (kernel/value-tracer.ts): it changes nothing the run does. */
  tracer?: ValueTracer;
  /**
   * The run is judged by its summary alone (`runToEndSummary`: a sweep's runs): it measures no
   * visibility latency and writes no console lines (nor tells them as events), sparing every read
   * the lookup of its emission and every checkpoint two lines. Its report's `latencyMs`, `log`,
   * marker-window lines and the series' latency columns are then empty; nothing else changes.
   */
  summaryOnly?: boolean;
}

/**
 * A deterministic discrete-event simulation of the sample's writer job, the Pravega store and the
 * checker, in virtual time (integer ms). Same scenario, same event log, byte for byte: all
 * randomness comes from one PRNG seeded by the scenario, and the engine never reads the clock.
 *
 * Drive it with `advanceTo(t)` (a server pacing it in real time) or `runToEnd()` (the CLI, tests).
 */
export class Simulation {
  readonly scenario: Scenario;
  readonly metrics: Metrics;
  private readonly scheduler = new Scheduler();
  private readonly listeners = new EventListeners();
  /** What every part shares; the simulation alone changes `listening` (see `on`). */
  private readonly ctx: SimContext & { listening: boolean };
  private readonly prng: Prng;
  private readonly checker: Checker;
  private readonly store: StreamStore;
  private readonly coordinator: CheckpointCoordinator;
  private readonly checkpointFaults = new CheckpointFaultPlan();
  private readonly timeline: Fault[] = [];
  private readonly live = new Map<number, Attempt>();
  private readonly injector: FaultInjector;
  private current: Attempt | null = null;
  private attemptCount = 0;
  private restartsUsed = 0;
  private readonly restores: Report['restores'] = [];
  private readonly logLines: string[] = [];
  private logOmitted = 0;
  private now = 0;
  private state: JobState = 'running';
  private ended = false;
  /** A person stopped the run before it ended: its report judges only what was seen. */
  private stopped = false;
  private readonly horizonMs: number;

  constructor(scenario: Scenario, options: SimulationOptions = {}) {
    this.scenario = scenario;
    this.metrics = new Metrics(options.bucketMs ?? FIRST_BUCKET_MS, options.maxBuckets ?? 1_000);
    this.prng = new Prng(scenario.seed);
    // `listening` is a field `on` keeps up to date, not a getter: an object literal's getter gives
    // every run's context a hidden class of its own, which lives in old space and holds the whole
    // run (the getter's closure shares the constructor's context with `this`) until a full
    // collection: most of what a sweep allocated outlived the next scavenge.
    this.ctx = {
      scenario,
      scheduler: this.scheduler,
      metrics: this.metrics,
      emit: (event) => this.emit(event),
      console: (source, line, t) => this.console(source, line, t),
      tracer: options.tracer ?? null,
      keepsLog: options.summaryOnly !== true,
      listening: false,
    };
    this.checker = new Checker(this.ctx, scenario.numEvents, options.summaryOnly ?? false);
    const storeHooks = {
      writerBroken: (attempt: number, writes: number, t: number) =>
        this.live.get(attempt)?.writerBroken(writes, t),
    };
    this.store =
      scenario.system === 'kafka'
        ? new KafkaStore(this.ctx, this.checker, this.checker.explainer, storeHooks)
        : new StreamStore(this.ctx, this.checker, this.checker.explainer, storeHooks);
    this.coordinator = new CheckpointCoordinator(this.ctx, this.checkpointFaults, this.prng, {
      runningAttempt: () => (this.state === 'running' && this.current?.alive === true ? this.current : null),
      crashJob: (attempt, t, reason, detail) => this.failFromCoordinator(attempt, t, reason, detail),
    });
    this.injector = new FaultInjector(
      this.scheduler,
      this.store,
      this.checkpointFaults,
      new HeartbeatMonitor(
        scenario.seed,
        scenario.restart.heartbeatIntervalMs,
        scenario.restart.heartbeatTimeoutMs,
      ),
      this.jobControl(),
    );
    this.horizonMs = horizonOf(scenario);
    this.scheduler.schedule(0, () => this.begin());
    for (const fault of scenario.faults) this.schedule(fault);
  }

  // ---- public API ----

  on(listener: EventListener): () => void {
    const remove = this.listeners.add(listener);
    this.ctx.listening = true;
    return () => {
      remove();
      this.ctx.listening = this.listeners.size > 0;
    };
  }

  get nowMs(): number {
    return this.now;
  }

  get done(): boolean {
    return this.ended;
  }

  get jobState(): JobState {
    return this.state;
  }

  /** A person stopped the run: no more time passes, and the report says it was stopped. */
  stop(): void {
    if (this.ended || this.stopped) return;
    this.stopped = true;
    this.emit({ t: this.now, kind: 'run-stopped' });
  }

  /** The scenario's faults plus every injected one, stamped with its virtual time. */
  faultTimeline(): Fault[] {
    return this.timeline.map((f) => ({ ...f }));
  }

  /** Runs the model up to virtual time `targetMs` (inclusive). */
  advanceTo(targetMs: number): void {
    invariant(Number.isFinite(targetMs) || targetMs === Number.POSITIVE_INFINITY, 'advanceTo needs a time');
    while (!this.ended && !this.stopped) {
      const next = this.scheduler.peekTime();
      const until = Math.min(next, targetMs, this.horizonMs);
      const failure = this.runDataPlanes(until);
      if (failure !== null) {
        this.settle(failure.failure.t, true);
        this.onTaskFailure(failure.attempt, failure.failure);
        continue;
      }
      if (this.scheduler.essentialSize === 0 && this.isTerminal()) {
        this.end();
        continue;
      }
      const timerAt = this.scheduler.peekTime();
      const reached = Math.min(until, timerAt);
      this.settle(reached, timerAt <= reached);
      if (timerAt <= reached) {
        this.scheduler.pop()(timerAt);
        continue;
      }
      if (reached >= this.horizonMs) {
        this.hitHorizon();
        continue;
      }
      if (reached >= targetMs) break;
    }
  }

  runToEnd(): Report {
    this.advanceTo(Number.POSITIVE_INFINITY);
    return this.report();
  }

  /**
   * Injects a fault at the next millisecond (the current one has already been simulated); it is
   * recorded in the fault timeline so the run can be replayed exactly.
   */
  inject(request: InjectRequest): Fault {
    const fault = this.aim(request);
    this.schedule(fault);
    // Told now, whenever it is aimed to act, so the event log stays in time order.
    this.emit({ t: this.now + 1, kind: 'fault-injected', fault });
    return fault;
  }

  /** Why this fault cannot be injected now, or null when it can. */
  refusal(request: InjectRequest): string | null {
    try {
      this.aim(request);
      return null;
    } catch (error) {
      if (error instanceof InjectRefused) return error.message;
      throw error;
    }
  }

  /** Turns a request into the fault the timeline records, or refuses it with a reason. */
  private aim(request: InjectRequest): Fault {
    return aimFault(request, {
      mode: this.scenario.mode,
      parallelism: this.scenario.sink.parallelism,
      nowMs: this.now,
      ended: this.ended,
      state: this.state,
      nextCheckpointId: this.coordinator.nextCheckpointId,
    });
  }

  /** How the run ended so far. */
  get ending(): RunEnding {
    if (this.ended) return this.state === 'finished' ? 'finished' : 'job-failed';
    return this.stopped ? 'stopped' : 'running';
  }

  /** Runs the model to its end and returns what a sweep judges it by: `report()`'s figures, without its lists. */
  runToEndSummary(): RunSummary {
    this.advanceTo(Number.POSITIVE_INFINITY);
    return summaryOf(this.summaryParts());
  }

  report(): Report {
    return reportOf({
      ...this.summaryParts(),
      nowMs: this.now,
      restartsUsed: this.restartsUsed,
      store: this.store,
      log: this.logLines,
      logOmitted: this.logOmitted,
      faults: this.faultTimeline(),
    });
  }

  private summaryParts(): SummaryParts {
    return {
      scenario: this.scenario,
      ended: this.ended,
      ending: this.ending,
      finished: this.state === 'finished',
      totals: this.metrics.totals,
      checker: this.checker,
      checkpoints: this.coordinator.counts,
      restores: this.restores,
    };
  }

  // ---- the loop ----

  private runDataPlanes(until: number): { attempt: Attempt; failure: TaskFailure } | null {
    for (const attempt of this.live.values()) {
      const failure = attempt.runUntil(Math.min(until, this.scheduler.peekTime()));
      if (failure !== null) return { attempt, failure };
    }
    return null;
  }

  /**
   * Delivers acknowledged writes to the reader up to t and moves the clock there. Duplicate
   * events are batched per protocol step, not per `advanceTo` call, so pacing never changes the log.
   */
  private settle(t: number, step: boolean): void {
    const at = Math.max(this.now, t);
    this.store.deliverUntil(at);
    if (step) this.checker.flush(at);
    this.now = at;
  }

  private begin(): void {
    const s = this.scenario;
    this.checker.explainer.attemptStarted(1, null);
    this.emit({
      t: 0,
      kind: 'run-started',
      seed: s.seed,
      mode: s.mode,
      numEvents: s.numEvents,
      ...(s.system === 'kafka' ? { system: 'kafka' as const } : {}),
    });
    this.startAttempt(0, null);
    this.scheduler.schedule(s.checkpoint.intervalMs, this.tick, false);
  }

  /**
   * The coordinator's periodic trigger. It stops once the job has ended (finished, or failed for
   * good): no attempt runs again, so every later trigger would find none and do nothing, while a
   * zombie left running could keep it going for a third of a sweep's timers.
   */
  private readonly tick = (t: number): void => {
    if (this.state === 'finished' || this.state === 'failed') return;
    this.coordinator.trigger(t);
    this.scheduler.schedule(t + this.scenario.checkpoint.intervalMs, this.tick, false);
  };

  private startAttempt(t: number, restoredFrom: Attempt['restoredFrom']): void {
    this.attemptCount++;
    const attempt = new Attempt(
      this.attemptCount,
      restoredFrom,
      t,
      restoredFrom === null ? this.mapperFailElement() : 0,
      // Flink's rebalance partitioner starts at a random channel; ours comes from the seeded PRNG.
      this.prng.int(0, this.scenario.sink.parallelism - 1),
      this.ctx,
      this.store,
      this.checker,
      {
        acknowledge: (a, id, task, sink, at) => this.coordinator.acknowledge(a, id, task, sink, at),
        fail: (a, failure) => this.onTaskFailure(a, failure),
        decline: (a, id, at, why) => {
          this.console('writer', why, at);
          this.coordinator.decline(a, id, at);
        },
        sourceFinished: (a, at) => this.onSourceFinished(a, at),
        commitRejected: (id, subtask, at) => this.commitRejected(id, subtask, at),
        nextCheckpointId: () => this.coordinator.nextCheckpointId,
      },
    );
    this.current = attempt;
    this.live.set(attempt.id, attempt);
    this.state = 'running';
    attempt.start(t);
  }

  /** Whether a commit-rejected fault aims at this checkpoint's commit by this sink subtask; it fires once. */
  private commitRejected(checkpointId: number, subtask: number, t: number): boolean {
    const fault = this.checkpointFaults.take(
      'commit-rejected',
      checkpointId,
      t,
      (f) => f.kind === 'commit-rejected' && (f.subtask ?? 0) === subtask,
    );
    if (fault === null) return false;
    this.emit({
      t,
      kind: 'fault-fired',
      faultKind: 'commit-rejected',
      checkpointId,
      detail: `checkpoint ${checkpointId}: ${CHECKPOINT_FAULT_FIRED['commit-rejected'](subtask, fault)}`,
      subtask,
    });
    return true;
  }

  /** The sample's mapper fails at element N/2 + 1 in every attempt started fresh. */
  private mapperFailElement(): number {
    let element = 0;
    for (const f of this.timeline) {
      if (f.kind === 'mapper-exception' && f.atElement !== undefined) {
        element = element === 0 ? f.atElement : Math.min(element, f.atElement);
      }
    }
    return element;
  }

  private onTaskFailure(attempt: Attempt, failure: TaskFailure): void {
    if (!attempt.alive) return;
    const t = failure.t;
    if (attempt.zombie) {
      attempt.stop();
      this.live.delete(attempt.id);
      this.emit({ t, kind: 'zombie-stopped', attempt: attempt.id, lastWritten: attempt.lastWritten });
      return;
    }
    if (attempt.lost) {
      // Declared lost by the heartbeat while frozen, its own failure now only cancels its tasks.
      attempt.cancel(t);
      this.live.delete(attempt.id);
      return;
    }
    invariant(attempt === this.current, 'only the current attempt fails over');
    this.taskFailed(attempt, failure.reason, failure.detail, t, failure.element ?? null);
    this.console('writer', failure.detail, t);
    attempt.cancel(t);
    this.live.delete(attempt.id);
    this.current = null;
    this.restartOrFail(t);
  }

  /**
   * The coordinator fails the job over (an injected crash, or too many failed checkpoints). A
   * frozen attempt cannot cancel its tasks until it thaws: it is left to do so, as one lost to the
   * heartbeat is, and the job fails over at once.
   */
  private failFromCoordinator(
    attempt: Attempt,
    t: number,
    reason: 'injected-crash' | 'checkpoint-failures',
    detail: string,
  ): void {
    if (attempt.isFrozen && attempt === this.current) {
      attempt.lost = true;
      this.failOverFrom(attempt, reason, detail, t, false);
      return;
    }
    this.onTaskFailure(attempt, { t, reason, detail });
  }

  /** Tells the failure that fails the job over: as an event, and as a fact for the causes. */
  private taskFailed(
    attempt: Attempt,
    reason: TaskFailureReason,
    detail: string,
    t: number,
    element: number | null,
    zombie = false,
  ): void {
    this.emit({
      t,
      kind: 'task-failed',
      attempt: attempt.id,
      reason,
      position: attempt.position,
      element,
      detail,
      lastWritten: attempt.lastWritten,
    });
    this.checker.explainer.attemptFailed({
      attempt: attempt.id,
      atMs: t,
      reason: zombie ? 'zombie' : reason,
      element,
      detail,
    });
  }

  private restartOrFail(t: number): void {
    const { attempts, delayMs } = this.scenario.restart;
    if (this.restartsUsed >= attempts) {
      this.state = 'failed';
      this.emit({ t, kind: 'job-failed', attempt: this.attemptCount, reason: 'restart attempts exhausted' });
      this.checker.explainer.jobFailed('restart attempts exhausted', t);
      this.console('writer', 'Job failed: restart attempts exhausted', t);
      this.afterJobEnded();
      return;
    }
    this.restartsUsed++;
    this.state = 'restarting';
    this.emit({
      t,
      kind: 'job-restarting',
      attempt: this.attemptCount,
      delayMs,
      restartsLeft: attempts - this.restartsUsed,
    });
    this.scheduler.schedule(t + delayMs, () => this.restore(t + delayMs));
  }

  /**
   * Restores from the latest completed checkpoint, or starts fresh when there is none. A task
   * failure aborts no pending checkpoint in Flink 1.14: the restart does, as it restores state
   * (SchedulerBase.restoreState: abortPendingCheckpoints, JOB_FAILOVER_REGION, not counted).
   */
  private restore(t: number): void {
    this.coordinator.abortPending('job-failover', t);
    const checkpoint = this.coordinator.latest;
    const position = checkpoint?.position ?? -1;
    this.emit({
      t,
      kind: 'job-restored',
      attempt: this.attemptCount + 1,
      checkpointId: checkpoint?.id ?? null,
      position,
    });
    if (checkpoint !== null) this.console('writer', `Restore from checkpoint at position ${position}`, t);
    this.restores.push({ checkpointId: checkpoint?.id ?? null, position, atMs: t });
    this.checker.explainer.attemptStarted(this.attemptCount + 1, {
      attempt: this.attemptCount + 1,
      checkpointId: checkpoint?.id ?? null,
      position,
      atMs: t,
    });
    this.startAttempt(t, checkpoint);
  }

  private onSourceFinished(attempt: Attempt, t: number): void {
    if (attempt !== this.current) return;
    // The job finishes once the sinks have drained the channel; then they close.
    this.finishWhenDrained(attempt, Math.max(t, attempt.channelDrainedAtMs));
  }

  /**
   * The job finishes once the sinks processed everything in the channel. A pause or a blocking call
   * can hold elements back past the time they were due: then the check runs again once they are through.
   */
  private finishWhenDrained(attempt: Attempt, at: number): void {
    this.scheduler.schedule(at, () =>
      attempt.whenRunning(at, (now) => {
        if (attempt !== this.current) return;
        if (!attempt.channelEmpty) {
          this.finishWhenDrained(attempt, Math.max(now, attempt.channelDrainedAtMs));
          return;
        }
        attempt.verifyBeforeClose(now, (at) => {
          if (attempt !== this.current || !attempt.alive) return;
          attempt.finish(at);
          this.live.delete(attempt.id);
          this.current = null;
          this.state = 'finished';
          this.emit({ t: at, kind: 'job-finished', attempt: attempt.id });
          this.afterJobEnded();
        });
      }),
    );
  }

  /** Lets in-flight writes land before the run can end. */
  private afterJobEnded(): void {
    this.coordinator.abortPending(this.state === 'finished' ? 'job-finished' : 'job-failover', this.now);
    this.scheduler.schedule(Math.max(this.now, this.store.settledByMs(this.attemptCount)), () => {});
  }

  private isTerminal(): boolean {
    return (this.state === 'finished' || this.state === 'failed') && this.live.size === 0;
  }

  private hitHorizon(): void {
    if (!this.isTerminal()) {
      for (const attempt of this.live.values()) attempt.stop();
      this.live.clear();
      this.current = null;
      if (this.state !== 'finished') {
        this.state = 'failed';
        this.emit({
          t: this.now,
          kind: 'job-failed',
          attempt: this.attemptCount,
          reason: 'simulation horizon reached',
        });
        this.checker.explainer.jobFailed('simulation horizon reached', this.now);
      }
    }
    this.end();
  }

  private end(): void {
    this.store.explainLeftOpen(this.now);
    this.checker.finish(this.now);
    this.metrics.flush(this.now);
    this.ended = true;
    this.emit({ t: this.now, kind: 'run-ended', finished: this.state === 'finished' });
  }

  // ---- faults ----

  private schedule(fault: Fault): void {
    this.timeline.push(fault);
    this.injector.inject(fault);
  }

  /** What the fault injector may do to the job (functions only: see the context's `listening`). */
  private jobControl(): JobControl {
    return {
      currentAttempt: () => this.current,
      liveAttempts: () => [...this.live.values()],
      retire: (attempt) => this.live.delete(attempt.id),
      failTask: (attempt, failure) => this.onTaskFailure(attempt, failure),
      failOverFrom: (attempt, reason, detail, t, zombie) =>
        this.failOverFrom(attempt, reason, detail, t, zombie),
      emit: (event) => this.emit(event),
    };
  }

  /**
   * The job fails over away from an attempt that did not fail by itself: one lost to the heartbeat
   * while frozen, or one left running as a zombie.
   */
  private failOverFrom(
    attempt: Attempt,
    reason: TaskFailureReason,
    detail: string,
    t: number,
    zombie: boolean,
  ): void {
    this.taskFailed(attempt, reason, detail, t, null, zombie);
    // A zombie's process is not failing: the sample's writer prints nothing.
    if (!zombie) this.console('writer', detail, t);
    this.current = null;
    this.restartOrFail(t);
  }

  // ---- events and console ----

  private emit(event: SimEvent): void {
    this.listeners.tell(event);
  }

  private console(source: 'writer' | 'checker', line: string, t: number): void {
    if (!this.ctx.keepsLog) return;
    if (this.logLines.length < REPORT_LOG_LIMIT) this.logLines.push(line);
    else this.logOmitted++;
    if (this.listeners.size > 0) this.emit({ t, kind: 'console', source, line });
  }
}
