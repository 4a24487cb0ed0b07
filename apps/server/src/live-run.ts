import {
  type Fault,
  type InjectRequest,
  type Report,
  type Scenario,
  type SimEvent,
  Simulation,
} from '@eolab/engine';
import {
  MAX_EVENTS_PER_DELTA,
  MAX_SNAPSHOT_EVENTS,
  PROTOCOL_VERSION,
  type RunDelta,
  type RunSnapshot,
  type RunState,
  type RunSummary,
  type Speed,
} from '@eolab/protocol';
import type { StoredRun } from './db';
import { EventBuffer } from './event-buffer';

/** Virtual milliseconds per wall millisecond for each paced speed. */
const SPEED_FACTOR: Record<Exclude<Speed, 'max'>, number> = { '1x': 1, '10x': 10, '100x': 100 };

/** Metric buckets kept per run (and so, points per chart): enough for a chart, small enough to resend. */
const MAX_BUCKETS = 300;

/**
 * One simulation being paced in real time: its state, its speed, and what its watchers have
 * been sent so far. The run manager drives it; it knows nothing of sockets or the database.
 */
export class LiveRun {
  readonly sim: Simulation;
  summary: RunSummary;
  speed: Speed;
  private readonly events = new EventBuffer(MAX_EVENTS_PER_DELTA, MAX_SNAPSHOT_EVENTS);
  private seq = 0;
  private sentBuckets = 0;
  private sentLayout = 0;
  private finalDeltaSent = false;
  /** Virtual time owed to the run by wall time already elapsed (paced speeds). */
  private debtMs = 0;
  /** Virtual ms advanced per slice at max speed, tuned to the time a slice takes. */
  private maxSliceMs = 200;
  private readonly injections: number[] = [];

  constructor(
    readonly scenario: Scenario,
    summary: RunSummary,
    speed: Speed,
  ) {
    this.summary = summary;
    this.speed = speed;
    this.sim = new Simulation(scenario, { maxBuckets: MAX_BUCKETS });
    this.sim.on((e) => this.events.push(e, this.speed === 'max'));
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
      this.summary = { ...this.summary, finishedAt: nowIso, verdict: this.sim.report().verdict };
    }
  }

  /**
   * Advances the simulation for `wallMs` of elapsed wall time, spending at most `budgetMs` of CPU.
   * Returns true when the run ended during this step.
   */
  step(wallMs: number, budgetMs: number, clock: () => number): boolean {
    if (this.state !== 'running' || this.sim.done) return false;
    if (this.speed === 'max') {
      const started = clock();
      while (!this.sim.done && clock() - started < budgetMs) {
        const sliceStart = clock();
        this.sim.advanceTo(this.sim.nowMs + this.maxSliceMs);
        const took = clock() - sliceStart;
        // Aim for slices of about 4 ms so a slow scenario never blocks the event loop for long.
        if (took < 2) this.maxSliceMs = Math.min(this.maxSliceMs * 2, 1_000_000);
        else if (took > 8) this.maxSliceMs = Math.max(1, Math.floor(this.maxSliceMs / 2));
      }
    } else {
      this.debtMs += wallMs * SPEED_FACTOR[this.speed];
      const whole = Math.floor(this.debtMs);
      if (whole >= 1) {
        this.debtMs -= whole;
        this.sim.advanceTo(this.sim.nowMs + whole);
      }
    }
    return this.sim.done;
  }

  /** Injects a fault now, at most `perSecond` per wall second. */
  inject(request: InjectRequest, perSecond: number, wallNowMs: number): Fault {
    while (this.injections.length > 0 && wallNowMs - this.injections[0]! >= 1_000) this.injections.shift();
    if (this.injections.length >= perSecond) {
      throw new RunError(429, `too many fault injections: at most ${perSecond} per second per run`);
    }
    if (!this.active || this.sim.done)
      throw new RunError(409, `run ${this.id} is ${this.state}: no fault can be injected`);
    this.injections.push(wallNowMs);
    const fault = this.sim.inject(request);
    this.summary = { ...this.summary, faultCount: this.sim.faultTimeline().length };
    return fault;
  }

  report(): Report | null {
    return this.sim.done || !this.active ? this.sim.report() : null;
  }

  snapshot(): RunSnapshot {
    const series = this.sim.metrics.series();
    const { events, dropped } = this.events.snapshot();
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
      report: this.report(),
    };
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
    const { events, dropped } = this.events.takeDelta();
    const ended = !this.active;
    if (
      events.length === 0 &&
      fromBucket >= metrics.length - 1 &&
      this.sentBuckets === metrics.length &&
      !ended
    ) {
      return null;
    }
    if (ended && this.finalDeltaSent && events.length === 0) return null;
    const series = metrics.series(fromBucket);
    this.sentBuckets = metrics.length;
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
      eventsDropped: dropped,
      report: this.report(),
      sentAt: sentAtMs,
    };
  }

  /** What the database keeps; events are the snapshot's bounded list. */
  stored(): { run: StoredRun; events: SimEvent[] } {
    const series = this.sim.metrics.series();
    return {
      run: {
        summary: this.summary,
        scenario: this.scenario,
        faultTimeline: this.sim.faultTimeline(),
        report: this.report(),
        bucketMs: series.bucketMs,
        buckets: series.buckets,
        nowMs: this.sim.nowMs,
      },
      events: this.events.snapshot().events,
    };
  }
}

/** A request that cannot be carried out, with the HTTP status that says why. */
export class RunError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
