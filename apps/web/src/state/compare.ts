import {
  compareReports,
  type Report,
  type Scenario,
  timingDecides,
  WRITER_MODES,
  type WriterMode,
} from '@eolab/engine';
import type { BackendKind, RunSnapshot, RunSummary } from '@eolab/protocol';
import { create } from 'zustand';
import { getRun, replayRun } from '../api/rest';
import { navigate } from '../nav/route';
import { cumulative } from './series';
import type { CumulativePoint } from './store';

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
  /** Its scenario with the whole fault timeline (clicked faults included), once fetched. */
  scenario?: Scenario;
  report: Report | null;
  /** The run ended without a report (stopped early): nothing more to wait for. */
  ended?: boolean;
  /** Cumulative visible values and duplicates over virtual time, for the overlaid chart. */
  series: CumulativePoint[];
}

interface CompareState {
  /**
   * 'modes': the run on screen replayed in the other modes; 'backends': replayed on the other
   * backend (the model against PostgreSQL); 'picked': runs ticked on the Runs page.
   */
  kind: 'modes' | 'backends' | 'picked';
  baseRunId: string | null;
  runs: ComparedRun[];
  /** The runs this comparison added to the history (the replays), so the page can say so. */
  stored: string[];
  error: string | null;
}

export const useCompare = create<CompareState>()(() => ({
  kind: 'modes',
  baseRunId: null,
  runs: [],
  stored: [],
  error: null,
}));

export async function compareModes(baseRunId: string, baseMode: WriterMode): Promise<void> {
  useCompare.setState({
    kind: 'modes',
    baseRunId,
    runs: [{ mode: baseMode, runId: baseRunId, backend: 'simulated', report: null, series: [] }],
    stored: [],
    error: null,
  });
  try {
    const others = WRITER_MODES.filter((m) => m !== baseMode);
    const created = await Promise.all(others.map((mode) => replayRun(baseRunId, mode, 'max')));
    const runs: ComparedRun[] = [
      { mode: baseMode, runId: baseRunId, backend: 'simulated', report: null, series: [] },
      ...others.map((mode, i) => ({
        mode,
        runId: created[i]!.runId,
        backend: 'simulated' as const,
        report: null,
        series: [],
      })),
    ];
    runs.sort((a, b) => WRITER_MODES.indexOf(a.mode) - WRITER_MODES.indexOf(b.mode));
    useCompare.setState({ runs, stored: created.map((c) => c.runId) });
    // The comparison has an address of its own.
    window.history.replaceState(null, '', `/compare?runs=${runs.map((r) => r.runId).join(',')}`);
    await Promise.all(runs.map((r) => refresh(r.runId)));
  } catch (error) {
    refused(error, baseRunId);
  }
}

/**
 * A refusal (the server would not create a replay) ends the waiting: the reason is shown, and the
 * run on screen shows what it has instead of "running…" for a replay that will never come.
 */
function refused(error: unknown, baseRunId: string): void {
  useCompare.setState((s) => ({
    error: (error as Error).message,
    runs: s.runs.filter((r) => r.runId === baseRunId),
  }));
  void refresh(baseRunId).catch(() => {});
}

/**
 * Simulated vs real: the run on screen again, same scenario and fault timeline, on the other
 * backend (a simulated run for real on PostgreSQL, a real one in the model); the model's column first.
 */
export async function compareBackends(
  baseRunId: string,
  mode: WriterMode,
  backend: BackendKind,
): Promise<void> {
  const other: BackendKind = backend === 'postgres' ? 'simulated' : 'postgres';
  const base: ComparedRun = { mode, runId: baseRunId, backend, report: null, series: [] };
  useCompare.setState({ kind: 'backends', baseRunId, runs: [base], stored: [], error: null });
  try {
    const created = await replayRun(baseRunId, mode, 'max', other);
    const replay: ComparedRun = { mode, runId: created.runId, backend: other, report: null, series: [] };
    const runs = backend === 'simulated' ? [base, replay] : [replay, base];
    useCompare.setState({ runs, stored: [created.runId] });
    window.history.replaceState(null, '', `/compare?runs=${runs.map((r) => r.runId).join(',')}`);
    await Promise.all(runs.map((r) => refresh(r.runId)));
  } catch (error) {
    refused(error, baseRunId);
  }
}

/** Compares runs ticked on the Runs page: the comparison's own address, then its reports. */
export function comparePicked(ids: readonly string[]): void {
  navigate(`/compare?runs=${ids.map(encodeURIComponent).join(',')}`);
  useCompare.setState({ kind: 'picked', baseRunId: ids[0] ?? null, runs: [], stored: [], error: null });
  void openComparison();
}

/** Opens the comparison an address names (`/compare?runs=A,B,C`). */
export async function openComparison(): Promise<void> {
  if (window.location.pathname !== '/compare') return;
  const ids = (new URLSearchParams(window.location.search).get('runs') ?? '')
    .split(',')
    .filter((id) => id !== '');
  try {
    const snapshots = await Promise.all(ids.map((id) => getRun(id)));
    const runs = snapshots.map((s) => ({
      mode: s.run.mode,
      runId: s.run.id,
      name: s.run.name,
      backend: backendOf(s),
      scenario: withTimeline(s),
      report: s.report,
      series: cumulative(s.buckets),
    }));
    // Two runs of one scenario, one on each backend: the model against the real thing.
    const backends = new Set(runs.map((r) => r.backend));
    if (runs.length === 2 && backends.size === 2 && useCompare.getState().kind === 'modes') {
      runs.sort((a) => (a.backend === 'simulated' ? -1 : 1));
      useCompare.setState({ kind: 'backends' });
    }
    // Modes side by side read best in their order; runs picked by hand stay in the order picked.
    if (useCompare.getState().kind === 'modes')
      runs.sort((a, b) => WRITER_MODES.indexOf(a.mode) - WRITER_MODES.indexOf(b.mode));
    useCompare.setState({ baseRunId: ids[0] ?? null, runs, error: null });
    if (useCompare.getState().kind === 'modes' && new Set(runs.map((r) => r.mode)).size < runs.length)
      useCompare.setState({ kind: 'picked' });
  } catch (error) {
    useCompare.setState({ error: (error as Error).message });
  }
}

/** States a run may still move on from (a report may yet come). */
const LIVE_STATES: readonly string[] = ['created', 'running', 'paused'];

const backendOf = (s: RunSnapshot): BackendKind => s.backend?.kind ?? 'simulated';
const withTimeline = (s: RunSnapshot): Scenario => ({ ...s.scenario, faults: s.faultTimeline });

/** Fetches a compared run's report once it has one. */
export async function refresh(runId: string): Promise<void> {
  const snapshot = await getRun(runId);
  if (snapshot.report === null) {
    if (!LIVE_STATES.includes(snapshot.run.state))
      useCompare.setState((s) => ({
        runs: s.runs.map((r) => (r.runId === runId ? { ...r, ended: true } : r)),
      }));
    return;
  }
  useCompare.setState((s) => ({
    runs: s.runs.map((r) =>
      r.runId === runId
        ? {
            ...r,
            backend: backendOf(snapshot),
            scenario: withTimeline(snapshot),
            report: snapshot.report,
            series: cumulative(snapshot.buckets),
          }
        : r,
    ),
  }));
}

/** The socket tells us when a compared run ends. */
export function noteSummary(summary: RunSummary): void {
  const { runs } = useCompare.getState();
  if (runs.some((r) => r.runId === summary.id) && ['finished', 'failed', 'stopped'].includes(summary.state)) {
    void refresh(summary.id).catch(() => {});
  }
}

export function closeCompare(): void {
  const base = useCompare.getState().baseRunId;
  useCompare.setState({ baseRunId: null, runs: [], stored: [], error: null });
  if (base !== null && window.location.pathname === '/compare') {
    window.history.replaceState(null, '', `/?run=${encodeURIComponent(base)}`);
  }
}

/** The differences, in words. */
export function summarize(runs: readonly ComparedRun[]): string[] {
  const done = runs.filter((r): r is ComparedRun & { report: Report } => r.report !== null);
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
