import { type Cause, type Report, Simulation, stripAt, type ValueLife, ValueTrace } from '@eolab/engine';
import type { StripQuery, ValueLifeResponse, ValueOutcome, ValueStripResponse } from '@eolab/protocol';
import type { RealRows } from '../../real/real-run';
import type { StoredRun } from '../../store/db';
import type { RunFacts } from '../facts/run-facts';
import { bucketMsFor, MAX_BUCKETS } from '../live-run';
import { RunError } from '../run-error';
import { REAL_RUN_NOTE, realLives } from './real-lives';

/** Where a real run's lives come from: its committed rows (while the server keeps them) and its facts. */
export interface RealSources {
  rowsOf(runId: string): RealRows | null;
  factsOf(runId: string): RunFacts;
}

/**
 * "Find a value" for model runs: the run is replayed from its scenario and its whole fault timeline
 * (clicked faults at the virtual times they were clicked), exactly as `POST /runs/:id/replay`
 * would, with the engine's value tracer attached, up to where the run is. The model is
 * deterministic, so the replay is the run. A replay costs what the run cost: runs larger than
 * MAX_REPLAY_EMITTED are refused, and the last few traces are kept, so a strip moved through time
 * replays nothing.
 */

/** Emitted values above which a replay on request would hold the server for too long (about a second). */
export const MAX_REPLAY_EMITTED = 2_000_000;
/** Traces kept: a person looking at one run moves a strip and opens a few values. */
const CACHE_SIZE = 8;

export class ValueTracing {
  private readonly cache = new Map<string, ValueLife[]>();

  constructor(private readonly real: RealSources) {}

  /** One value's life, with what the checker made of it. */
  life(runId: string, stored: StoredRun, value: number): ValueLifeResponse {
    checkValue('value', value, stored);
    const [life] = this.trace(runId, stored, value, value);
    const cause = causeOf(stored.report, value);
    return {
      runId,
      life: life!,
      outcome: outcomeOf(stored.report, cause, life!),
      cause,
      isolation: stored.scenario.checker.isolation,
      untilMs: stored.nowMs,
      runEnded: stored.report !== null,
      note: stored.summary.backend === 'postgres' ? REAL_RUN_NOTE : null,
    };
  }

  /** Values from..to at one moment: each value's state and what each kind of reader sees. */
  strip(runId: string, stored: StoredRun, query: StripQuery): ValueStripResponse {
    checkValue('from', query.from, stored);
    const to = Math.min(query.to, stored.scenario.numEvents);
    const atMs = Math.min(query.atMs ?? stored.nowMs, stored.nowMs);
    const lives = this.trace(runId, stored, query.from, to);
    const isolation = stored.scenario.checker.isolation;
    const cells = stripAt(lives, atMs, { isolation, writeLatencyMs: stored.scenario.sink.writeLatencyMs });
    return { runId, from: query.from, to, atMs, isolation, cells };
  }

  private trace(runId: string, stored: StoredRun, from: number, to: number): ValueLife[] {
    const key = `${runId}|${stored.nowMs}|${stored.faultTimeline.length}|${from}|${to}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const lives =
      stored.summary.backend === 'postgres'
        ? this.realLives(runId, stored, from, to)
        : replay(stored, from, to);
    this.cache.set(key, lives);
    if (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    return lives;
  }

  /** A real run cannot be replayed: its lives come from its committed rows, once its checker read them. */
  private realLives(runId: string, stored: StoredRun, from: number, to: number): ValueLife[] {
    const rows = this.real.rowsOf(runId);
    if (rows === null)
      throw new RunError(
        409,
        stored.report === null
          ? 'value: a real run is followed from the rows PostgreSQL committed, read when the job ends: wait for its end'
          : 'value: a real run cannot be replayed, and this server no longer holds its committed rows (it keeps the last 16 real runs since it started)',
      );
    return realLives(rows, from, to, this.real.factsOf(runId));
  }
}

function replay(stored: StoredRun, from: number, to: number): ValueLife[] {
  const emitted = stored.report?.counts.emitted ?? stored.buckets.reduce((n, b) => n + b.emitted, 0);
  if (emitted > MAX_REPLAY_EMITTED)
    throw new RunError(
      413,
      `value: following a value replays the run, and this one emitted ${emitted.toLocaleString('en')} values; at most ${MAX_REPLAY_EMITTED.toLocaleString('en')} on this server`,
    );
  const scenario = { ...stored.scenario, faults: stored.faultTimeline };
  const trace = new ValueTrace(from, to);
  const sim = new Simulation(scenario, {
    bucketMs: bucketMsFor(scenario),
    maxBuckets: MAX_BUCKETS,
    tracer: trace,
  });
  sim.on(trace.observe);
  sim.advanceTo(stored.nowMs);
  return trace.result();
}

function checkValue(field: string, value: number, stored: StoredRun): void {
  const n = stored.scenario.numEvents;
  if (value > n) throw new RunError(400, `${field}: ${value} is not a value of this run (1..${n})`);
}

/** The report's cause whose ranges hold the value. */
function causeOf(report: Report | null, value: number): Cause | null {
  if (report === null) return null;
  const holds = (c: Cause) => c.ranges.some(([a, b]) => value >= a && value <= b);
  return report.causes.duplicates.find(holds) ?? report.causes.missing.find(holds) ?? null;
}

function outcomeOf(report: Report | null, cause: Cause | null, life: ValueLife): ValueOutcome {
  if (cause?.kind === 'never-emitted') return 'never-emitted';
  if (report === null || life.reads.length > 0)
    return life.reads.length > 1 ? 'duplicated' : life.reads.length === 1 ? 'read-once' : 'not-read-yet';
  return 'lost';
}
