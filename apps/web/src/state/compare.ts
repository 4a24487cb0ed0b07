import {
  compareReports,
  type Report,
  type Scenario,
  type System,
  timingDecides,
  WRITER_MODES,
  type WriterMode,
} from '@eolab/engine';
import type { BackendKind, RunSnapshot } from '@eolab/protocol';
import { type LsoHold, lsoHolds } from './lso';
import { type CumulativePoint, cumulative } from './series';

/**
 * Compare modes: the run on screen replayed, with its exact fault timeline (clicked faults
 * included), in the other writer modes; the reports side by side.
 */
export interface ComparedRun {
  mode: WriterMode;
  runId: string;
  /** The run's name, shown when runs picked on the Runs page are compared. */
  name?: string;
  /** Where it ran: the model, or PostgreSQL with real processes. */
  backend: BackendKind;
  /** The system it wrote to: Pravega or Kafka. */
  system: System;
  /** Its scenario with the whole fault timeline (clicked faults included), once fetched. */
  scenario?: Scenario;
  report: Report | null;
  /** The run ended without a report (stopped early): nothing more to wait for. */
  ended?: boolean;
  /** Cumulative visible values and duplicates over virtual time, for the overlaid chart. */
  series: CumulativePoint[];
  /** Kafka: where its read_committed readers were held at the last stable offset (from its stored events). */
  holds: LsoHold[];
}

export interface CompareState {
  /**
   * 'modes': the run on screen replayed in the other modes; 'backends': replayed on the other
   * backend (the model against PostgreSQL); 'systems': run again on the other system (Pravega
   * against Kafka); 'picked': runs ticked on the Runs page.
   */
  kind: 'modes' | 'backends' | 'systems' | 'picked';
  baseRunId: string | null;
  runs: ComparedRun[];
  /** The runs this comparison added to the history (the replays), so the page can say so. */
  stored: string[];
  error: string | null;
}

/** The compare slice: one comparison at a time, nested so its names stay its own. */
export interface CompareSlice {
  compare: CompareState;
}

export const noComparison: CompareState = {
  kind: 'modes',
  baseRunId: null,
  runs: [],
  stored: [],
  error: null,
};

export const createCompareSlice = (): CompareSlice => ({ compare: noComparison });

/** A compared run before its report: its mode, id, backend and system. */
export const waiting = (
  mode: WriterMode,
  runId: string,
  backend: BackendKind,
  system: System = 'pravega',
): ComparedRun => ({
  mode,
  runId,
  backend,
  system,
  report: null,
  series: [],
  holds: [],
});

/** States a run may still move on from (a report may yet come). */
export const LIVE_STATES: readonly string[] = ['created', 'running', 'paused'];

const backendOf = (s: RunSnapshot): BackendKind => s.backend?.kind ?? 'simulated';
const withTimeline = (s: RunSnapshot): Scenario => ({ ...s.scenario, faults: s.faultTimeline });

/** A stored run as a compared one: its report, its scenario with every fault it saw, its series. */
export function comparedOf(s: RunSnapshot): ComparedRun {
  return {
    mode: s.run.mode,
    runId: s.run.id,
    name: s.run.name,
    backend: backendOf(s),
    system: s.scenario.system,
    scenario: withTimeline(s),
    report: s.report,
    series: cumulative(s.buckets),
    holds: lsoHolds(s.events),
  };
}

/** Pravega first, then Kafka: the sample's system, then the one it is held against. */
export const bySystem = (a: ComparedRun, b: ComparedRun): number =>
  Number(a.system === 'kafka') - Number(b.system === 'kafka');

/** Modes side by side read best in their order. */
export const byMode = (a: ComparedRun, b: ComparedRun): number =>
  WRITER_MODES.indexOf(a.mode) - WRITER_MODES.indexOf(b.mode);

/**
 * The comparison an address names, once its runs are fetched: two runs of one scenario, one on
 * each backend, are the model against the real thing; modes read in their order; runs picked by
 * hand (or two of one mode) stay in the order picked.
 */
export function openedComparison(
  current: CompareState,
  ids: readonly string[],
  fetched: ComparedRun[],
): CompareState {
  let kind = current.kind;
  const runs = [...fetched];
  if (runs.length === 2 && new Set(runs.map((r) => r.system)).size === 2 && kind === 'modes') {
    runs.sort(bySystem);
    kind = 'systems';
  }
  if (runs.length === 2 && new Set(runs.map((r) => r.backend)).size === 2 && kind === 'modes') {
    runs.sort((a) => (a.backend === 'simulated' ? -1 : 1));
    kind = 'backends';
  }
  if (kind === 'modes') runs.sort(byMode);
  if (kind === 'modes' && new Set(runs.map((r) => r.mode)).size < runs.length) kind = 'picked';
  return { ...current, kind, baseRunId: ids[0] ?? null, runs, error: null };
}

/** The differences, in words. */
export function summarize(runs: readonly ComparedRun[]): string[] {
  const done = runs.filter((r): r is ComparedRun & { report: Report } => r.report !== null);
  if (new Set(runs.map((r) => r.system)).size > 1) return systemsSummary(done);
  const by = (mode: WriterMode) => done.find((r) => r.mode === mode)?.report;
  const out: string[] = [];
  const eo = by('EXACTLY_ONCE');
  const alo = by('ATLEAST_ONCE');
  const be = by('BEST_EFFORT');
  if (eo !== undefined && alo !== undefined) {
    const extra = eo.latencyMs.p99 - alo.latencyMs.p99;
    const cost = extra >= 0 ? `${extra} ms more` : `${-extra} ms less`;
    out.push(
      `exactly-once: ${eo.counts.duplicates} duplicates and ${eo.counts.missing} missing, against ${alo.counts.duplicates} duplicates for at-least-once, at the cost of ${cost} p99 visibility latency (${eo.latencyMs.p99} vs ${alo.latencyMs.p99} ms).`,
    );
  }
  if (be !== undefined) {
    out.push(`best-effort: ${be.counts.duplicates} duplicates, ${be.counts.lost} values lost.`);
  }
  return out;
}

/**
 * The model against the real run, in words, once both have reports: the engine's own comparison
 * (the one `eolab verify` makes), value for value where the schedule is deterministic, the outcome
 * class where timing decides.
 */
export function modelVsReal(
  runs: readonly ComparedRun[],
): { timing: string | null; differences: string[]; notes: string[] } | null {
  const modelRun = runs.find((r) => r.backend === 'simulated');
  const real = runs.find((r) => r.backend === 'postgres')?.report;
  const model = modelRun?.report;
  if (model == null || real == null || modelRun?.scenario === undefined) return null;
  const timing = timingDecides(modelRun.scenario);
  return { timing, ...compareReports(model, real, timing === null) };
}

const SYSTEM_WORDS: Record<System, string> = { pravega: 'Pravega', kafka: 'Kafka' };

/** One schedule on both systems, in words: each one's verdict, and what its readers waited. */
function systemsSummary(done: readonly (ComparedRun & { report: Report })[]): string[] {
  if (done.length < 2) return [];
  return [
    done
      .map(
        (r) =>
          `on ${SYSTEM_WORDS[r.system]}: ${r.report.verdict}, ${r.report.counts.duplicates} duplicates and ${r.report.counts.missing} missing, p99 visibility latency ${r.report.latencyMs.p99.toLocaleString('en')} ms`,
      )
      .join('; ') + '.',
  ];
}
