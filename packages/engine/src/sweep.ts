import { Prng } from './prng';
import type { Report } from './report';
import {
  CHECKPOINT_FAULT_KINDS,
  type DURATION_FAULT_KINDS,
  FAULT_KINDS,
  type Fault,
  type FaultKind,
  type Scenario,
  WRITER_MODES,
  type WriterMode,
  withDefaults,
} from './scenario';
import { Simulation } from './simulation';

/**
 * Random fault schedules, run in every writer mode, checked against the guarantees each mode
 * promises where its preconditions hold. Used by `eolab sweep` and the property tests.
 */

/** A random scenario: the same schedule (faults, timing, knobs) whatever the mode. */
export function randomScenario(seed: number, mode: WriterMode): Scenario {
  const prng = new Prng(seed);
  const numEvents = prng.int(50, 3_000);
  const intervalMs = prng.pick([20, 50, 100, 200]);
  const throttleUntil = Math.min(Math.floor(numEvents / 3), prng.int(1, 60));
  const runLengthMs = throttleUntil * 5 + numEvents + 4 * intervalMs;
  const faults: Fault[] = [];
  const faultCount = prng.int(0, 4);
  for (let i = 0; i < faultCount; i++) faults.push(randomFault(prng, runLengthMs, numEvents));
  return withDefaults({
    version: 1,
    name: `sweep-${seed}`,
    seed,
    mode,
    numEvents,
    source: { throttleUntilPosition: throttleUntil },
    checkpoint: { intervalMs, timeoutMs: prng.pick([600_000, 2_000]) },
    sink: {
      parallelism: prng.int(1, 4),
      txnLeaseMs: prng.chance(2, 3) ? 30_000 : prng.int(200, 3_000),
      writeLatencyMs: prng.int(0, 5),
      flushLatencyMs: prng.int(0, 5),
      commitLatencyMs: prng.int(0, 10),
    },
    restart: { attempts: prng.int(0, 4), delayMs: prng.pick([0, 0, 50, 500, 1_500]) },
    checker: { isolation: prng.chance(1, 8) ? 'read_uncommitted' : 'read_committed' },
    faults,
  });
}

function randomFault(prng: Prng, runLengthMs: number, numEvents: number): Fault {
  const kind: FaultKind = prng.pick(FAULT_KINDS);
  const atMs = prng.int(0, runLengthMs);
  if (kind === 'mapper-exception') {
    return prng.chance(1, 2) ? { kind, atMs } : { kind, atElement: prng.int(1, numEvents + 1) };
  }
  if ((CHECKPOINT_FAULT_KINDS as readonly string[]).includes(kind)) {
    return (prng.chance(1, 2) ? { kind, checkpoint: prng.int(1, 12) } : { kind, atMs }) as Fault;
  }
  const durationKind = kind as (typeof DURATION_FAULT_KINDS)[number];
  return { kind: durationKind, atMs, durationMs: prng.int(20, 2_000) };
}

/**
 * The guarantee a mode promises for this run, or null when its preconditions do not hold.
 * EXACTLY_ONCE: no duplicates and no loss, if the reader reads committed data, the job finished,
 * no commit call failed, and the lease outlasts every outage, pause and restart put together.
 * ATLEAST_ONCE: no loss, if the job finished. BEST_EFFORT promises nothing.
 */
export function guaranteeFor(scenario: Scenario, report: Report): 'no-duplicates-no-loss' | 'no-loss' | null {
  if (!report.finished) return null;
  if (scenario.mode === 'ATLEAST_ONCE') return 'no-loss';
  if (scenario.mode !== 'EXACTLY_ONCE') return null;
  if (scenario.checker.isolation !== 'read_committed') return null;
  if (report.transactions.commitFailed > 0) return null;
  if (scenario.source.finalCheckpoints < 1) return null;
  let interrupted = scenario.restart.delayMs * scenario.restart.attempts;
  for (const f of scenario.faults) {
    if (f.kind === 'controller-outage' || f.kind === 'job-pause') interrupted += f.durationMs;
  }
  return scenario.sink.txnLeaseMs > interrupted ? 'no-duplicates-no-loss' : null;
}

/** A message naming the broken guarantee, or null when the run kept its promise. */
export function violationOf(scenario: Scenario, report: Report): string | null {
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

export interface SweepRow {
  mode: WriterMode;
  faultKind: FaultKind | '(none)';
  runs: number;
  withDuplicates: number;
  withLoss: number;
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
}

/** Runs `schedules` random schedules from `seed` on, each in every mode. */
export function sweep(schedules: number, seed: number, onProgress?: (done: number) => void): SweepResult {
  const rows = new Map<string, SweepRow>();
  const violations: SweepViolation[] = [];
  let runs = 0;
  for (let i = 0; i < schedules; i++) {
    const scheduleSeed = (seed + i) >>> 0;
    for (const mode of WRITER_MODES) {
      const scenario = randomScenario(scheduleSeed, mode);
      const report = new Simulation(scenario).runToEnd();
      runs++;
      const message = violationOf(scenario, report);
      if (message !== null) violations.push({ seed: scheduleSeed, scenario, message });
      const kinds = new Set<SweepRow['faultKind']>(scenario.faults.map((f) => f.kind));
      if (kinds.size === 0) kinds.add('(none)');
      for (const kind of kinds) {
        const key = `${mode}/${kind}`;
        const row = rows.get(key) ?? {
          mode,
          faultKind: kind,
          runs: 0,
          withDuplicates: 0,
          withLoss: 0,
          violations: 0,
        };
        row.runs++;
        if (report.counts.duplicates > 0) row.withDuplicates++;
        if (report.counts.missing > 0) row.withLoss++;
        if (message !== null) row.violations++;
        rows.set(key, row);
      }
    }
    onProgress?.(i + 1);
  }
  const order = (r: SweepRow) =>
    WRITER_MODES.indexOf(r.mode) * 100 + (r.faultKind === '(none)' ? 99 : FAULT_KINDS.indexOf(r.faultKind));
  return { rows: [...rows.values()].sort((a, b) => order(a) - order(b)), violations, runs };
}
