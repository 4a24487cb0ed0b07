import type { Fault, Scenario, WriterMode } from '../scenario/schema';
import type { Causes } from './causes';
import type { Counts } from './metrics';

/**
 * `INCOMPLETE`: no duplicate and nothing lost among what the checker saw, but it did not see the
 * whole output (the run was stopped, or the job failed for good before its source emitted every
 * value), so no guarantee is claimed. Duplicates and loss are facts as soon as they are seen.
 */
export const VERDICTS = ['EXACTLY_ONCE', 'DUPLICATES', 'LOSS', 'DUPLICATES_AND_LOSS', 'INCOMPLETE'] as const;
export type Verdict = (typeof VERDICTS)[number];

/**
 * How the run ended: its job finished; its job failed for good (restart attempts exhausted, or
 * the simulation's horizon); a person stopped the run; it is still going (a report taken before
 * the end, as an export of a live run); or, for a real run, its store (PostgreSQL) died under it:
 * nothing was read, so nothing is judged (never LOSS: the protocol lost nothing, the store went away).
 */
export const RUN_ENDINGS = ['finished', 'job-failed', 'stopped', 'running', 'backend-failed'] as const;
export type RunEnding = (typeof RUN_ENDINGS)[number];

/** Lists in the report are cut here; the totals stay in `counts`. */
export const REPORT_LIST_LIMIT = 10_000;
/** The report keeps at most this many console lines; the rest are counted in `logOmitted`. */
export const REPORT_LOG_LIMIT = 2_000;

export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
}

/** What the sample's own checker printed: its lines and its verdict at the end marker. */
export interface MarkerWindowResult {
  lines: string[];
  /** null when the checker never saw an end marker. */
  verdict: 'EXACTLY_ONCE' | 'DUPLICATES' | null;
  duplicates: number;
}

export interface Report {
  /** 2: `ending`, `counts.lost` and `counts.neverEmitted`, the `INCOMPLETE` verdict (see upgradeReport). */
  version: 2;
  name: string;
  mode: WriterMode;
  /** The system the job wrote to: present only for Kafka (absent: Pravega). */
  system?: 'kafka';
  seed: number;
  numEvents: number;
  /** Judged on what the checker saw: never EXACTLY_ONCE for an output it did not see whole. */
  verdict: Verdict;
  ending: RunEnding;
  /** Sorted values read more than once over the whole stream (first REPORT_LIST_LIMIT). */
  duplicates: number[];
  /**
   * Sorted values of 1..N never read (first REPORT_LIST_LIMIT): lost ones, then the never emitted
   * tail. Judged only when the job ended (finished, or failed for good): empty for a stopped run.
   */
  missing: number[];
  markerWindow: MarkerWindowResult;
  /** The run's counters (see `Counter`), and what the checker judged of the values. */
  counts: Counts & {
    duplicateReads: number;
    /** Values never read: `lost` plus `neverEmitted` once the job ended, else 0 (not judged). */
    missing: number;
    /** Values the source emitted that were never made visible: the loss a verdict reports. */
    lost: number;
    /**
     * Values of 1..N the source never emitted (it emits in order, so they are the last ones):
     * the output is incomplete, not lost. At a stop: those not emitted yet.
     */
    neverEmitted: number;
    writeFailures: number;
  };
  /** `failed`: declined or expired (what Flink counts against its tolerable failures), part of `aborted`. */
  checkpoints: { triggered: number; completed: number; aborted: number; failed: number };
  restores: { checkpointId: number | null; position: number; atMs: number }[];
  /** The fixed-delay restart budget and how much of it the run used. */
  restarts: { attempts: number; used: number };
  transactions: {
    begun: number;
    committed: number;
    aborted: number;
    expired: number;
    commitFailed: number;
    /** Still OPEN when the run ended: the controller aborts them when their lease runs out. */
    open: number;
  };
  latencyMs: LatencySummary;
  /** Why each duplicate and each missing value happened (see causes.ts). */
  causes: Causes;
  log: string[];
  logOmitted: number;
  /** Whether the job finished (`ending === 'finished'`), kept from version 1. */
  finished: boolean;
  /** Where the run happened: the model, or a real store (its report adds the server's version). */
  backend: 'simulated' | 'postgres';
  durationMs: number;
  faults: Fault[];
}

/**
 * What a sweep judges a run by: its verdict and counts, how it ended and restored, its failed
 * checkpoints, and how many values no cause explains. A `Report` holds all of it; a sweep asks the
 * simulation for this alone (`Simulation.runToEndSummary`), sparing every run the report's lists,
 * log and cause texts.
 */
export type RunSummary = Pick<Report, 'verdict' | 'finished' | 'restores' | 'checkpoints'> & {
  counts: Pick<Report['counts'], 'duplicates' | 'missing' | 'lost' | 'neverEmitted'>;
  causes: Pick<Causes, 'unexplained'>;
};

/** `whole`: the checker saw the whole output (the job finished, or emitted every value before it failed). */
export function verdictOf(duplicates: number, lost: number, whole: boolean): Verdict {
  if (duplicates > 0 && lost > 0) return 'DUPLICATES_AND_LOSS';
  if (duplicates > 0) return 'DUPLICATES';
  if (lost > 0) return 'LOSS';
  return whole ? 'EXACTLY_ONCE' : 'INCOMPLETE';
}

/** Whether missing values are judged for a run that ended this way: only once its job ended. */
export function judgesMissing(ending: RunEnding): boolean {
  return ending === 'finished' || ending === 'job-failed';
}

/**
 * How a run's never-read values split, and its verdict, the same for both backends: missing values
 * are judged only once the job ended; those after the highest value emitted were never emitted
 * (the source emits in order), the rest were lost.
 */
export function judge(run: {
  ending: RunEnding;
  numEvents: number;
  emittedUpTo: number;
  duplicates: number;
  /** Values of 1..N never read. */
  unread: number;
}): Pick<Report['counts'], 'missing' | 'lost' | 'neverEmitted'> & { verdict: Verdict } {
  const neverEmitted = Math.max(0, run.numEvents - run.emittedUpTo);
  const missing = judgesMissing(run.ending) ? run.unread : 0;
  const lost = judgesMissing(run.ending) ? missing - neverEmitted : 0;
  const verdict = verdictOf(run.duplicates, lost, sawWholeOutput(run.ending, neverEmitted));
  return { missing, lost, neverEmitted, verdict };
}

/** Whether the checker saw the whole output of a run that ended this way. */
export function sawWholeOutput(ending: RunEnding, neverEmitted: number): boolean {
  return judgesMissing(ending) && neverEmitted === 0;
}

/**
 * A report as this version writes it, from one stored or exported by an older one (version 1: no
 * `ending`, no split of missing values). A version-1 run that was stopped is judged again on what
 * it saw (its missing values were never judged); for one whose job failed, which of its missing
 * values were never emitted cannot be told from the report: `neverEmitted` stays 0 and they count
 * as lost, as version 1 said, unless the caller re-runs the model (the server does for simulated runs).
 */
export function upgradeReport(stored: Report | ReportV1, stopped: boolean): Report {
  if (stored.version === 2) return stopped && stored.ending !== 'stopped' ? asStopped(stored) : stored;
  const missing = stored.counts.missing;
  const report: Report = {
    ...stored,
    version: 2,
    ending: stored.finished ? 'finished' : 'job-failed',
    counts: { ...stored.counts, lost: missing, neverEmitted: 0 },
  };
  return stopped && !stored.finished ? asStopped(report) : report;
}

/**
 * The report of a run a person stopped before it ended, from what it saw: its duplicates are
 * facts, its missing values are not judged (a value may still have been on its way).
 */
export function asStopped(report: Report): Report {
  const counts = { ...report.counts, missing: 0, lost: 0 };
  return {
    ...report,
    ending: 'stopped',
    finished: false,
    verdict: verdictOf(counts.duplicates, 0, false),
    missing: [],
    counts,
    causes: { ...report.causes, missing: [], unexplained: { ...report.causes.unexplained, missing: 0 } },
  };
}

/**
 * What version 1 would have written for this report: an export made by an older server carries
 * that, and an imported run reproduces it when this projection is identical.
 */
export function asVersion1(report: Report): ReportV1 {
  const { ending: _ending, counts, ...rest } = report;
  const { lost: _lost, neverEmitted: _neverEmitted, ...countsV1 } = counts;
  const verdict = verdictOf(counts.duplicates, counts.missing, true);
  const causes = {
    ...report.causes,
    missing: report.causes.missing.map((c) =>
      c.kind === 'never-emitted' ? { ...c, kind: 'job-failed' as const } : c,
    ),
  };
  return { ...rest, version: 1, verdict, counts: countsV1, causes };
}

/** A report as version 1 wrote it. */
export type ReportV1 = Omit<Report, 'version' | 'ending' | 'counts'> & {
  version: 1;
  counts: Omit<Report['counts'], 'lost' | 'neverEmitted'>;
};

export type { Scenario };
