import { isDeepStrictEqual } from 'node:util';
import {
  asVersion1,
  type Fault,
  FIRST_BUCKET_MS,
  type InjectRequest,
  MAX_FAULTS,
  type Narrator,
  type Report,
  type Scenario,
  type SimEvent,
  Simulation,
} from '@eolab/engine';
import {
  type CheckpointsPage,
  type CheckpointsQuery,
  figuresOf,
  MAX_EVENTS_PER_DELTA,
  MAX_SNAPSHOT_EVENTS,
  type MessagesPage,
  type MessagesQuery,
  NARRATION_PAGE,
  type NarrationPage,
  outcomeOf,
  PROTOCOL_VERSION,
  type RunDelta,
  type RunSnapshot,
  type RunState,
  type RunSummary,
  type Speed,
  type TransactionsPage,
  type TransactionsQuery,
} from '@eolab/protocol';
import { SerializedJson } from '../http/shared-json';
import type { StoredRun } from '../store/db';
import { EventBuffer } from './event-buffer';
import { RunFacts } from './facts/run-facts';
import { RunError } from './run-error';
import { type RunModel, SIMULATED } from './run-model';
import { narratorFor, pageOf } from './run-narration';
import { naturalLengthMs } from './work-limits';

/** Virtual milliseconds per wall millisecond for each paced speed. */
const SPEED_FACTOR: Record<Exclude<Speed, 'max'>, number> = { '1x': 1, '10x': 10, '100x': 100 };

/** Metric buckets kept per run (and so, points per chart): enough for a chart, small enough to resend. */
export const MAX_BUCKETS = 300;

/** A slice of simulation between two clock reads: long enough to be cheap, short enough to stop on budget. */
const SLICE_TARGET_MIN_MS = 2;
const SLICE_TARGET_MAX_MS = 6;

/**
 * How far back a fault for "now" may act (the screen lags the server by a few hundred wall
 * milliseconds: up to tens of virtual seconds at 100x), and the most events a run may have emitted
 * for the model to be run again from 0 to do it (a few tens of milliseconds of engine time).
 */
const MAX_REWIND_MS = 60_000;
const MAX_REWIND_EVENTS = 2_000_000;

/** A paced run that cannot keep up forgets virtual time owed beyond one wall second, rather than bursting. */
const MAX_DEBT_WALL_MS = 1_000;

/**
 * The bucket width for a run: wide enough that its natural length fills about three quarters of
 * the buckets. Starting at a width that fits means the series is rarely re-bucketed, and every
 * re-bucketing makes each watcher's next delta carry the whole series again.
 */
export function bucketMsFor(scenario: Scenario): number {
  const needed = naturalLengthMs(scenario) / (MAX_BUCKETS * 0.75);
  // Round up to 1, 2 or 5 times a power of ten, from the engine's first width, so chart ticks stay readable.
  for (let decade = FIRST_BUCKET_MS; ; decade *= 10) {
    for (const step of [1, 2, 5]) if (step * decade >= needed) return step * decade;
  }
}

/**
 * One simulation being paced in real time: its state, its speed, and what its watchers have
 * been sent so far. The run manager drives it; it knows nothing of sockets or the database.
 */
export class LiveRun {
  /** The model; a simulation is replaced only when a fault is injected at a moment already simulated (`inject`). */
  sim: RunModel;
  summary: RunSummary;
  speed: Speed;
  private events: EventBuffer;
  /** Every checkpoint and transaction of the run, from every event (the event buffer keeps a window). */
  facts: RunFacts;
  /** Told every event of the run, thinned or not: the whole run's story. */
  private narrator: Narrator;
  /** Sentences told so far that a delta has carried. */
  private sentSentences = 0;
  /** Faults injected while running, with the virtual time each was injected at: a rewind replays them. */
  private readonly clicks: { atMs: number; fault: Fault }[] = [];
  /** How many times the model was run again for a fault at the moment on screen (see `inject`). */
  rewinds = 0;
  private seq = 0;
  private sentBuckets = 0;
  private sentLayout = 0;
  private finalDeltaSent = false;
  private sentNowMs = -1;
  private finalReport: Report | null = null;
  /** Set by a command (state, speed, fault) so the next delta goes out even if the model did not move. */
  changedSinceDelta = false;
  /** Virtual time owed to the run by wall time already elapsed (paced speeds). */
  private debtMs = 0;
  /** Virtual ms advanced per slice, tuned so a slice takes a few milliseconds. */
  private sliceMs = 100;
  private readonly injections: number[] = [];
  /** Pages of facts asked for lately, serialised (see `pageJson`). */
  private readonly pages = new Map<string, SerializedJson>();
  /** The last snapshot sent, serialised, and the state it shows: shared by every watcher until the run moves. */
  private cachedSnapshot: { key: string; json: SerializedJson } | null = null;

  constructor(
    readonly scenario: Scenario,
    summary: RunSummary,
    speed: Speed,
    /** The report an imported run must reproduce. */
    private readonly expectedReport: unknown = undefined,
    /** A real job (real-run.ts) instead of the simulation. */
    model?: RunModel,
  ) {
    this.summary = summary;
    this.speed = speed;
    if (model === undefined)
      ({
        sim: this.sim,
        events: this.events,
        facts: this.facts,
        narrator: this.narrator,
      } = this.freshModel());
    else {
      this.sim = model;
      this.events = new EventBuffer(MAX_EVENTS_PER_DELTA, MAX_SNAPSHOT_EVENTS);
      this.facts = RunFacts.forScenario(scenario);
      const facts = this.facts;
      const narrator = narratorFor(scenario, model.realTime === true);
      this.narrator = narrator;
      model.on((e) => {
        narrator.tell(e);
        this.events.push(e, this.speed === 'max');
        facts.observe(e);
      });
    }
  }

  /** A new simulation of the scenario at virtual time 0, its events gathered for the watchers, the record and the narration. */
  private freshModel(): { sim: Simulation; events: EventBuffer; facts: RunFacts; narrator: Narrator } {
    const sim = new Simulation(this.scenario, {
      bucketMs: bucketMsFor(this.scenario),
      maxBuckets: MAX_BUCKETS,
    });
    const events = new EventBuffer(MAX_EVENTS_PER_DELTA, MAX_SNAPSHOT_EVENTS);
    const facts = RunFacts.forScenario(this.scenario);
    const narrator = narratorFor(this.scenario, false);
    sim.on((e) => {
      narrator.tell(e);
      events.push(e, this.speed === 'max');
      facts.observe(e);
    });
    return { sim, events, facts, narrator };
  }

  get id(): string {
    return this.summary.id;
  }

  get state(): RunState {
    return this.summary.state;
  }

  get active(): boolean {
    return this.state === 'running' || this.state === 'created' || this.state === 'paused';
  }

  setState(state: RunState, nowIso: string): void {
    this.summary = { ...this.summary, state };
    if (state === 'finished' || state === 'failed' || state === 'stopped') {
      // Nothing more will be told: what was still being gathered is told for good.
      this.narrator.finish();
      const report = this.report()!;
      this.summary = {
        ...this.summary,
        finishedAt: nowIso,
        verdict: report.verdict,
        figures: figuresOf(report),
      };
      if (this.expectedReport !== undefined && this.sim.done) {
        this.summary.reproducesExport = reproduces(report, this.expectedReport);
      }
    }
  }

  setSpeed(speed: Speed): void {
    this.speed = speed;
    this.debtMs = 0;
  }

  /**
   * Advances the simulation by the virtual time `wallMs` of elapsed wall time is worth at this
   * speed (as far as it goes at max speed), spending at most `budgetMs` of wall time, in slices.
   * Returns the wall time spent.
   */
  step(wallMs: number, budgetMs: number, clock: () => number): number {
    if (this.state !== 'running' || this.sim.done) return 0;
    // A real job runs on the wall clock by itself: no speed, nothing to step.
    if (this.sim.realTime === true) {
      this.sim.advanceTo(Number.POSITIVE_INFINITY);
      return 0;
    }
    let targetMs = Number.POSITIVE_INFINITY;
    if (this.speed !== 'max') {
      const factor = SPEED_FACTOR[this.speed];
      this.debtMs = Math.min(this.debtMs + wallMs * factor, MAX_DEBT_WALL_MS * factor);
      targetMs = this.sim.nowMs + Math.floor(this.debtMs);
    }
    const started = clock();
    let sliceStart = started;
    while (!this.sim.done && this.sim.nowMs < targetMs && sliceStart - started < budgetMs) {
      const before = this.sim.nowMs;
      this.sim.advanceTo(Math.min(targetMs, before + this.sliceMs));
      const now = clock();
      this.tuneSlice(now - sliceStart);
      this.debtMs = Math.max(0, this.debtMs - (this.sim.nowMs - before));
      sliceStart = now;
    }
    return sliceStart - started;
  }

  private tuneSlice(tookMs: number): void {
    if (tookMs < SLICE_TARGET_MIN_MS) this.sliceMs = Math.min(this.sliceMs * 2, 10_000_000);
    else if (tookMs > SLICE_TARGET_MAX_MS) this.sliceMs = Math.max(1, Math.floor(this.sliceMs / 2));
  }

  /**
   * Injects a fault, at most `perSecond` per wall second. A fault for "now" acts right after the
   * virtual time the person saw (`seenMs`), which lags the server's by the time a delta takes to
   * be drawn (seconds of virtual time at 10x): when that moment is already simulated, the model is
   * run again from 0 with the same faults at the same times, the new one at `seenMs`, up to where
   * it was. The model is deterministic, so the run is exactly the one a scenario with that fault
   * timeline gives; its watchers are sent a fresh snapshot.
   */
  inject(request: InjectRequest, perSecond: number, wallNowMs: number, seenMs?: number): Fault {
    if (!this.active || this.sim.done)
      throw new RunError(409, `run ${this.id} is ${this.state}: no fault can be injected`);
    while (this.injections.length > 0 && wallNowMs - this.injections[0]! >= 1_000) this.injections.shift();
    if (this.injections.length >= perSecond) {
      throw new RunError(429, `too many fault injections: at most ${perSecond} per second per run`);
    }
    if (this.sim.faultTimeline().length >= MAX_FAULTS) {
      throw new RunError(
        409,
        `fault: a run holds at most ${MAX_FAULTS} faults, so that its export (scenario.faults) can be replayed`,
      );
    }
    const now = request.atMs === undefined && request.checkpoint === undefined;
    // Only the simulation can be run again: a real job's past is the past.
    const rewind =
      now &&
      this.sim instanceof Simulation &&
      seenMs !== undefined &&
      this.speed !== 'max' &&
      seenMs < this.sim.nowMs &&
      this.sim.nowMs - seenMs <= MAX_REWIND_MS &&
      this.sim.metrics.totals.emitted <= MAX_REWIND_EVENTS;
    const fault = rewind ? this.injectAt(request, seenMs) : this.injectNow(request);
    this.injections.push(wallNowMs);
    this.summary = { ...this.summary, faultCount: this.sim.faultTimeline().length };
    return fault;
  }

  private injectNow(request: InjectRequest): Fault {
    const refused = this.sim.refusal(request);
    if (refused !== null) throw new RunError(409, `fault: ${refused}`);
    const atMs = this.sim.nowMs;
    const fault = this.sim.inject(request);
    this.clicks.push({ atMs, fault });
    return fault;
  }

  /** The model again from 0, every earlier click replayed where it was made, the new one at `seenMs`. */
  private injectAt(request: InjectRequest, seenMs: number): Fault {
    const untilMs = this.sim.nowMs;
    const { sim, events, facts, narrator } = this.freshModel();
    const clicks = [...this.clicks];
    const replay = (upToMs: number) => {
      while (clicks.length > 0 && clicks[0]!.atMs <= upToMs) {
        const click = clicks.shift()!;
        sim.advanceTo(click.atMs);
        sim.inject(click.fault);
      }
    };
    replay(seenMs);
    sim.advanceTo(seenMs);
    const refused = sim.refusal(request);
    if (refused !== null) throw new RunError(409, `fault: at ${seenMs} ms, as on screen: ${refused}`);
    const fault = sim.inject(request);
    const click = { atMs: seenMs, fault };
    try {
      replay(untilMs);
    } catch {
      // A later click the new fault leaves no room for (the job it aimed at has failed): act now instead.
      return this.injectNow(request);
    }
    sim.advanceTo(untilMs);
    const later = this.clicks.findIndex((c) => c.atMs > seenMs);
    this.clicks.splice(later === -1 ? this.clicks.length : later, 0, click);
    this.sim = sim;
    this.events = events;
    this.facts = facts;
    this.narrator = narrator;
    this.sentSentences = 0;
    // Every watcher's picture of the run is stale: the run manager pushes them a fresh snapshot,
    // and the deltas after it continue from there.
    this.rewinds += 1;
    this.sentBuckets = 0;
    this.sentLayout = -1;
    this.sentNowMs = -1;
    this.cachedSnapshot = null;
    return fault;
  }

  /**
   * The report once the run has ended (or was stopped), else null. Computed once: for a large run
   * it scans every value (tens of milliseconds for millions), and the model no longer moves.
   */
  report(): Report | null {
    if (!this.sim.done && this.active) return null;
    if (this.finalReport === null) {
      this.finalReport = this.sim.report();
      this.facts.settle(this.finalReport);
    }
    return this.finalReport;
  }

  /** A page of the run's checkpoints, as JSON; counts are the report's once it has one. */
  checkpointsJson(query: CheckpointsQuery): SerializedJson {
    return this.pageJson('checkpoints', query, () => this.facts.checkpointsPage(query, this.report()));
  }

  /** A page of the run's transactions, as JSON; counts are the report's once it has one. */
  transactionsJson(query: TransactionsQuery): SerializedJson {
    return this.pageJson('transactions', query, () => this.facts.transactionsPage(query, this.report()));
  }

  /** A window of the run's protocol messages, as JSON (the space-time diagram's). */
  messagesJson(query: MessagesQuery): SerializedJson {
    return this.pageJson('messages', query, () => this.facts.messagesPage(query));
  }

  /**
   * Every watcher's dashboard asks for the same newest page about once a second: it is built once
   * per change of the run and shared, like the snapshot.
   */
  private pageJson(
    kind: string,
    query: CheckpointsQuery | TransactionsQuery | MessagesQuery,
    build: () => CheckpointsPage | TransactionsPage | MessagesPage,
  ): SerializedJson {
    const key = `${kind}|${JSON.stringify(query)}|${this.facts.changes}|${this.state}|${this.rewinds}`;
    let json = this.pages.get(key);
    if (json === undefined) {
      json = new SerializedJson(JSON.stringify(build()));
      this.pages.set(key, json);
      if (this.pages.size > PAGE_CACHE) this.pages.delete(this.pages.keys().next().value!);
    }
    return json;
  }

  snapshot(): RunSnapshot {
    const series = this.sim.metrics.series();
    const { events, dropped, cursor } = this.events.snapshot();
    return {
      protocolVersion: PROTOCOL_VERSION,
      run: this.summary,
      scenario: this.scenario,
      faultTimeline: this.sim.faultTimeline(),
      speed: this.speed,
      nowMs: this.sim.nowMs,
      totals: this.sim.metrics.totals,
      bucketMs: series.bucketMs,
      layoutVersion: series.layoutVersion,
      buckets: series.buckets,
      events,
      eventsDropped: dropped,
      eventCursor: cursor,
      report: this.report(),
      backend: this.sim.backend ?? SIMULATED,
      narration: this.narration(),
    };
  }

  /** A page of the run's narration; the newest when `from` is not given. */
  narration(from?: number, limit: number = NARRATION_PAGE): NarrationPage {
    return pageOf(this.narrator.told, this.narrator.pending(), from, limit);
  }

  /** The sentences told since the last delta (at most a page: a client missing more pages them in). */
  private narrationDelta(): NarrationPage {
    const told = this.narrator.told;
    const from = Math.max(this.sentSentences, told.length - NARRATION_PAGE);
    this.sentSentences = told.length;
    return pageOf(told, this.narrator.pending(), from, told.length - from);
  }

  /** The snapshot as JSON, serialised once per change of the run and shared by every watcher. */
  snapshotJson(): SerializedJson {
    const key = [
      this.sim.nowMs,
      this.summary.state,
      this.summary.faultCount,
      this.speed,
      this.events.count,
      this.sim.metrics.layoutVersion,
      this.sim.backend?.version,
      this.narrator.told.length,
    ].join('|');
    if (this.cachedSnapshot?.key !== key) {
      this.cachedSnapshot = { key, json: new SerializedJson(JSON.stringify(this.snapshot())) };
    }
    return this.cachedSnapshot.json;
  }

  /** What changed since the last delta; null when nothing did. */
  delta(sentAtMs: number): RunDelta | null {
    const metrics = this.sim.metrics;
    if (metrics.layoutVersion !== this.sentLayout) {
      this.sentLayout = metrics.layoutVersion;
      this.sentBuckets = 0;
    }
    // The last bucket sent may have grown since; send it again.
    const fromBucket = Math.max(0, this.sentBuckets - 1);
    const { events, numbers, dropped } = this.events.takeDelta();
    const ended = !this.active;
    const grew = this.sentBuckets !== metrics.length || this.sim.nowMs > this.sentNowMs;
    if (!ended && events.length === 0 && dropped === 0 && !grew && !this.changedSinceDelta) return null;
    if (ended && this.finalDeltaSent && events.length === 0) return null;
    const series = metrics.series(fromBucket);
    this.sentBuckets = metrics.length;
    this.sentNowMs = this.sim.nowMs;
    this.changedSinceDelta = false;
    if (ended) this.finalDeltaSent = true;
    return {
      runId: this.id,
      seq: ++this.seq,
      state: this.state,
      speed: this.speed,
      nowMs: this.sim.nowMs,
      totals: metrics.totals,
      bucketMs: series.bucketMs,
      layoutVersion: series.layoutVersion,
      fromBucket,
      buckets: series.buckets,
      events,
      eventNumbers: numbers,
      eventsDropped: dropped,
      outcome: ended ? outcomeOf(this.report()!) : null,
      sentAt: sentAtMs,
      backend: this.sim.backend ?? SIMULATED,
      narration: this.narrationDelta(),
    };
  }

  /** What the database keeps of the run. */
  stored(): StoredRun {
    const series = this.sim.metrics.series();
    return {
      summary: this.summary,
      scenario: this.scenario,
      faultTimeline: this.sim.faultTimeline(),
      report: this.report(),
      bucketMs: series.bucketMs,
      buckets: series.buckets,
      nowMs: this.sim.nowMs,
      expectedReport: this.expectedReport,
      narration: this.narrator.sentences(),
    };
  }

  /** The events a snapshot shows, which is also what the database keeps. */
  storedEvents(): SimEvent[] {
    return this.events.snapshot().events;
  }
}

/** Pages of facts a live run keeps serialised: the newest of each list, and a few others being read. */
const PAGE_CACHE = 16;

/** Equal as JSON documents: an exported report has been through JSON, so compare it that way. */
/** Whether a run reproduced an exported report, read as the version that exported it wrote it. */
function reproduces(report: Report, expected: unknown): boolean {
  const version = (expected as { version?: unknown } | null)?.version;
  return sameJson(version === 1 ? asVersion1(report) : report, expected);
}

function sameJson(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
}
