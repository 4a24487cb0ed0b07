import { pingIntervalMs } from '../model/pinger';
import {
  FAULT_KINDS,
  type FaultKind,
  faultEntry,
  type Scenario,
  WRITER_MODES,
  type WriterMode,
} from '../scenario/schema';
import type { Report, RunSummary, Verdict } from './report';
import { type SweepSpec, scheduleOf } from './schedules';
import { Simulation, type SimulationOptions } from './simulation';

/**
 * Random fault schedules, run in every writer mode, checked against the guarantees each mode
 * promises where its preconditions hold. Used by `eolab sweep` and the property tests.
 */

/**
 * The guarantee a mode promises for this run, or null when its preconditions do not hold.
 * EXACTLY_ONCE: no duplicates and no loss, if the reader reads committed data, the job finished,
 * no commit was rejected, the source waited long enough after its end marker for the sinks to have
 * committed, and the lease outlasts every stretch without pings (restart delays, pauses,
 * controller outages) plus two ping intervals (see `waitedForCommits` for "long enough").
 * ATLEAST_ONCE: no loss, if the job finished. BEST_EFFORT promises nothing.
 */
export function guaranteeFor(
  scenario: Scenario,
  report: RunSummary,
): 'no-duplicates-no-loss' | 'no-loss' | null {
  if (!report.finished) return null;
  if (scenario.mode === 'ATLEAST_ONCE') return 'no-loss';
  if (scenario.mode !== 'EXACTLY_ONCE') return null;
  if (scenario.checker.isolation !== 'read_committed') return null;
  if (scenario.faults.some((f) => f.kind === 'commit-rejected')) return null;
  if (!waitedForCommits(scenario, report)) return null;
  if (scenario.system === 'kafka')
    return outlastsTheTimeout(scenario) && !zombieCanFenceBack(scenario) ? 'no-duplicates-no-loss' : null;
  const leaseMs = scenario.sink.txnLeaseMs;
  let unpingedMs = scenario.restart.delayMs * scenario.restart.attempts + 2 * pingIntervalMs(leaseMs);
  const backoff = { controllerMaxBackoffMs: scenario.sink.controllerRetry.maxBackoffMs };
  for (const f of scenario.faults) unpingedMs += faultEntry(f.kind).unpingedMs(f, backoff);
  return leaseMs > unpingedMs ? 'no-duplicates-no-loss' : null;
}

/**
 * Kafka's precondition (Flink's Kafka documentation: transaction.timeout.ms must exceed the
 * checkpoint interval plus the time a failure and its recovery can take): nothing pings a
 * transaction, so from its first record to its commit it must outlast every restart delay, every
 * stretch a fault can hold the job or its calls up (as long as a lease would go unpinged), the
 * retry budgets of the calls an outage blocks, and the checkpoint intervals the faults can add.
 */
function outlastsTheTimeout(scenario: Scenario): boolean {
  const { restart, checkpoint, sink, kafka } = scenario;
  const backoff = { controllerMaxBackoffMs: sink.controllerRetry.maxBackoffMs };
  let openMs = restart.delayMs * restart.attempts + (scenario.faults.length + 3) * checkpoint.intervalMs;
  for (const f of scenario.faults) {
    openMs += faultEntry(f.kind).unpingedMs(f, backoff);
    if ('durationMs' in f && typeof f.durationMs === 'number') openMs += f.durationMs;
  }
  if (scenario.faults.some((f) => f.kind === 'store-outage')) openMs += budgetMs(sink.writerRetry);
  if (scenario.faults.some((f) => f.kind === 'controller-outage')) openMs += budgetMs(sink.controllerRetry);
  return kafka.transactionTimeoutMs > openMs;
}

/**
 * Kafka's fencing works both ways: a zombie whose InitProducerId was held up by a coordinator
 * outage finishes it after the restore, bumps the epochs of the transactional ids it shares with
 * the new attempt, and fences the new attempt's transactions; their commit fails, and the
 * restore's recovery commit only logs it.
 */
function zombieCanFenceBack(scenario: Scenario): boolean {
  return (
    scenario.faults.some((f) => f.kind === 'zombie-writer') &&
    scenario.faults.some((f) => f.kind === 'controller-outage')
  );
}

/** How long a call retries before it gives up: the sum of its backoffs. */
function budgetMs(policy: Scenario['sink']['writerRetry']): number {
  let total = 0;
  let backoff = policy.initialBackoffMs;
  for (let i = 1; i < policy.attempts; i++) {
    total += Math.min(backoff, policy.maxBackoffMs);
    backoff *= policy.backoffMultiple;
  }
  return total;
}

/** Faults that can hold a checkpoint pending past its interval. */
const HOLDS_CHECKPOINTS = new Set<FaultKind>(['store-outage', 'controller-outage', 'job-pause']);

/**
 * Whether the source waited long enough after its end marker for every sink to commit. It waits
 * for two completed checkpoints (one after a restore: the sample hard-codes
 * `lastCheckpointTriggered = 1` there); each notification lost to a sink, notifications that
 * reach the tasks at different times, and a failed (declined or expired) checkpoint each cost one
 * of them. One must be left.
 */
function waitedForCommits(scenario: Scenario, report: RunSummary): boolean {
  const restored = report.restores.some((r) => r.checkpointId !== null);
  const waitsFor = Math.min(scenario.source.finalCheckpoints, restored ? 1 : 2);
  const lostToASink = scenario.faults.filter((f) => f.kind === 'notify-lost' && f.target !== 'source').length;
  const jitter = scenario.checkpoint.notifyJitterMs > 0 ? 1 : 0;
  // A checkpoint held up past its interval (an outage or a pause) queues the next triggers, which
  // then complete back to back: with notifications reaching tasks at different times, the source
  // can count all its final checkpoints before a sink hears of the one holding its last values.
  if (jitter > 0 && scenario.faults.some((f) => HOLDS_CHECKPOINTS.has(f.kind))) return false;
  // It waits for checkpoint ids, not completions: a declined or expired one among them counts too.
  const failed = report.checkpoints.failed > 0 ? 1 : 0;
  return waitsFor - lostToASink - jitter - failed >= 1;
}

/**
 * A message naming the broken guarantee, or a duplicate or missing value the engine could not
 * explain, or null when the run kept its promise and explained every outcome.
 */
export function violationOf(scenario: Scenario, report: RunSummary): string | null {
  const { unexplained } = report.causes;
  if (unexplained.duplicates > 0 || unexplained.missing > 0) {
    return `${scenario.mode}: ${unexplained.duplicates} duplicates and ${unexplained.missing} missing values have no cause`;
  }
  const guarantee = guaranteeFor(scenario, report);
  if (guarantee === null) return null;
  const duplicates = report.counts.duplicates;
  const missing = report.counts.missing;
  if (guarantee === 'no-loss' && missing > 0) return `${scenario.mode} lost ${missing} values`;
  if (guarantee === 'no-duplicates-no-loss' && (duplicates > 0 || missing > 0)) {
    return `${scenario.mode} gave ${duplicates} duplicates and lost ${missing} values`;
  }
  return null;
}

/** Runs one scenario to its end and reports it (shrinking keeps the report of its smallest schedule). */
export type Simulate = (scenario: Scenario) => Report;
/** Runs one scenario to its end for a sweep; the sweep's tests swap it to check that a crash is reported. */
export type SweepRun = (scenario: Scenario) => RunSummary;
/**
 * A sweep reads reports, never the metrics series: one bucket as wide as any run spares every run
 * opening (and zeroing) a thousand buckets and closing one every 10 ms of virtual time. The report
 * does not depend on the buckets (totals and the latency histogram cover the whole run).
 */
export const SWEEP_METRICS = { bucketMs: 2 ** 40, maxBuckets: 2 };
/** A sweep's runs: one metrics bucket, judged by their summary alone (no latencies, no console lines). */
export const SWEEP_RUN_OPTIONS: SimulationOptions = { ...SWEEP_METRICS, summaryOnly: true };
const simulate: SweepRun = (scenario) => new Simulation(scenario, SWEEP_RUN_OPTIONS).runToEndSummary();

export interface SweepRow {
  mode: WriterMode;
  faultKind: FaultKind | '(none)';
  runs: number;
  withDuplicates: number;
  /** Runs that lost values the source emitted. */
  withLoss: number;
  /** Runs whose job failed for good before its source emitted every value: an incomplete output. */
  incomplete: number;
  violations: number;
}

export interface SweepViolation {
  seed: number;
  scenario: Scenario;
  message: string;
}

export interface SweepResult {
  rows: SweepRow[];
  violations: SweepViolation[];
  runs: number;
  /** Each schedule's outcome in every mode, in schedule order: only when asked (`keepSchedules`). */
  schedules?: ScheduleOutcome[];
}

/** What one run of a schedule gave: its verdict, the guarantee its mode promised there, and whether it broke it. */
export interface RunOutcome {
  verdict: Verdict | 'ENGINE_ERROR';
  /** What the mode promises for this run (null: its preconditions do not hold, or BEST_EFFORT). */
  guarantee: 'no-duplicates-no-loss' | 'no-loss' | null;
  /** The broken guarantee, in words (or the engine's error); null when it held. */
  violation: string | null;
}

/** One schedule of a sweep: its index and seed, its faults' kinds, and its run in each writer mode (WRITER_MODES order). */
export interface ScheduleOutcome {
  index: number;
  seed: number;
  faults: FaultKind[];
  runs: RunOutcome[];
}

/** Runs `schedules` random schedules from `seed` on, each in every mode: `eolab sweep`. */
export function sweep(
  schedules: number,
  seed: number,
  onProgress?: (done: number) => void,
  run: SweepRun = simulate,
): SweepResult {
  return sweepRange({ schedules, seed }, 0, schedules, { onProgress, run });
}

export interface SweepRangeOptions {
  /** Called after each schedule with how many of the range are done. */
  onProgress?: (done: number) => void;
  run?: SweepRun;
  /** Also return each schedule's outcome in every mode (`SweepResult.schedules`): what a dashboard lists. */
  keepSchedules?: boolean;
}

/**
 * Schedules `start` to `start + count - 1` of the sweep `spec`: a chunk. Chunks of one sweep run
 * anywhere (threads, processes, machines), and `mergeSweeps` joins their results, given in
 * schedule order, into what one sweep over the whole range gives.
 */
export function sweepRange(
  spec: SweepSpec,
  start: number,
  count: number,
  options: SweepRangeOptions = {},
): SweepResult {
  const run = options.run ?? simulate;
  const rows = new Map<string, SweepRow>();
  const violations: SweepViolation[] = [];
  const schedules: ScheduleOutcome[] | undefined = options.keepSchedules ? [] : undefined;
  let runs = 0;
  for (let i = 0; i < count; i++) {
    const index = start + i;
    // One draw per schedule: the modes differ only in `mode`.
    const drawn = scheduleOf(spec, index, WRITER_MODES[0]);
    // The schedule's seed (a schedule on a base scenario runs with the base's own seed).
    const seed = (spec.seed + index) >>> 0;
    const outcomes: RunOutcome[] = [];
    for (const mode of WRITER_MODES) {
      const scenario: Scenario = mode === drawn.mode ? drawn : { ...drawn, mode };
      runs++;
      outcomes.push(runOne(seed, scenario, run, rows, violations));
    }
    schedules?.push({ index, seed, faults: drawn.faults.map((f) => f.kind), runs: outcomes });
    options.onProgress?.(i + 1);
  }
  return { rows: [...rows.values()].sort((a, b) => rowOrder(a) - rowOrder(b)), violations, runs, schedules };
}

/** Runs one schedule in one mode, counts it, and says what came of it. */
function runOne(
  seed: number,
  scenario: Scenario,
  run: SweepRun,
  rows: Map<string, SweepRow>,
  violations: SweepViolation[],
): RunOutcome {
  let report: RunSummary;
  try {
    report = run(scenario);
  } catch (error) {
    // A sweep never dies: a schedule that breaks the engine is a finding, reported like a violation.
    const message = `${scenario.mode}: the engine threw: ${(error as Error).message}`;
    violations.push({ seed, scenario, message });
    return { verdict: 'ENGINE_ERROR', guarantee: null, violation: message };
  }
  const message = violationOf(scenario, report);
  if (message !== null) violations.push({ seed, scenario, message });
  countRun(rows, scenario, report, message !== null);
  return { verdict: report.verdict, guarantee: guaranteeFor(scenario, report), violation: message };
}

/** By mode, then fault kind, schedules without faults last. */
function rowOrder(r: SweepRow): number {
  return (
    WRITER_MODES.indexOf(r.mode) * 100 + (r.faultKind === '(none)' ? 99 : FAULT_KINDS.indexOf(r.faultKind))
  );
}

/** Counts one run in the row of each fault kind its schedule has (or `(none)`). */
function countRun(
  rows: Map<string, SweepRow>,
  scenario: Scenario,
  report: RunSummary,
  violated: boolean,
): void {
  const kinds = new Set<SweepRow['faultKind']>(scenario.faults.map((f) => f.kind));
  if (kinds.size === 0) kinds.add('(none)');
  for (const kind of kinds) {
    const key = `${scenario.mode}/${kind}`;
    const row = rows.get(key) ?? {
      mode: scenario.mode,
      faultKind: kind,
      runs: 0,
      withDuplicates: 0,
      withLoss: 0,
      incomplete: 0,
      violations: 0,
    };
    row.runs++;
    if (report.counts.duplicates > 0) row.withDuplicates++;
    if (report.counts.lost > 0) row.withLoss++;
    if (report.counts.neverEmitted > 0) row.incomplete++;
    if (violated) row.violations++;
    rows.set(key, row);
  }
}

/**
 * Joins the results of consecutive schedule ranges, given in schedule order, into what one `sweep`
 * over the whole range returns: `sweep(a + b, seed)` equals
 * `mergeSweeps([sweep(a, seed), sweep(b, seed + a)])`. This is what lets `eolab sweep` split the
 * schedules across worker threads and still print the same table and violations.
 */
export function mergeSweeps(parts: readonly SweepResult[]): SweepResult {
  const rows = new Map<string, SweepRow>();
  for (const part of parts) {
    for (const r of part.rows) {
      const key = `${r.mode}/${r.faultKind}`;
      const row = rows.get(key);
      if (row === undefined) {
        rows.set(key, { ...r });
        continue;
      }
      row.runs += r.runs;
      row.withDuplicates += r.withDuplicates;
      row.withLoss += r.withLoss;
      row.incomplete += r.incomplete;
      row.violations += r.violations;
    }
  }
  const kept = parts.every((p) => p.schedules !== undefined);
  return {
    // The same row order as `sweep`.
    rows: [...rows.values()].sort((a, b) => rowOrder(a) - rowOrder(b)),
    violations: parts.flatMap((p) => p.violations),
    runs: parts.reduce((sum, p) => sum + p.runs, 0),
    schedules: kept && parts.length > 0 ? parts.flatMap((p) => p.schedules ?? []) : undefined,
  };
}
