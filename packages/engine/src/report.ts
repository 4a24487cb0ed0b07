import type { Causes } from './causes';
import type { Fault, Scenario, WriterMode } from './scenario';

export const VERDICTS = ['EXACTLY_ONCE', 'DUPLICATES', 'LOSS', 'DUPLICATES_AND_LOSS'] as const;
export type Verdict = (typeof VERDICTS)[number];

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
  version: 1;
  name: string;
  mode: WriterMode;
  seed: number;
  numEvents: number;
  verdict: Verdict;
  /** Sorted values read more than once over the whole stream (first REPORT_LIST_LIMIT). */
  duplicates: number[];
  /** Sorted values of 1..N never read (first REPORT_LIST_LIMIT). */
  missing: number[];
  markerWindow: MarkerWindowResult;
  counts: {
    emitted: number;
    written: number;
    committed: number;
    read: number;
    duplicates: number;
    duplicateReads: number;
    missing: number;
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
  finished: boolean;
  /** Where the run happened: the model, or a real store (its report adds the server's version). */
  backend: 'simulated' | 'postgres';
  durationMs: number;
  faults: Fault[];
}

export function verdictOf(duplicates: number, missing: number): Verdict {
  if (duplicates > 0 && missing > 0) return 'DUPLICATES_AND_LOSS';
  if (duplicates > 0) return 'DUPLICATES';
  if (missing > 0) return 'LOSS';
  return 'EXACTLY_ONCE';
}

export type { Scenario };
