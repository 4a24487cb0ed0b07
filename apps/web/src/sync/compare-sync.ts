import type { RunSummary } from '@eolab/protocol';
import { getRun } from '../api/rest';
import { type CompareState, comparedOf, LIVE_STATES, openedComparison } from '../state/compare';
import { useStore } from '../state/store';

/** A comparison's runs, fetched from the server as they end; the comparison itself is state/compare.ts. */

export function setCompare(
  patch: Partial<CompareState> | ((c: CompareState) => Partial<CompareState>),
): void {
  useStore.setState((s) => ({
    compare: { ...s.compare, ...(typeof patch === 'function' ? patch(s.compare) : patch) },
  }));
}

/** Fetches a compared run's report once it has one. */
export async function refresh(runId: string): Promise<void> {
  const snapshot = await getRun(runId);
  if (snapshot.report === null) {
    if (!LIVE_STATES.includes(snapshot.run.state))
      setCompare((c) => ({ runs: c.runs.map((r) => (r.runId === runId ? { ...r, ended: true } : r)) }));
    return;
  }
  const { backend, system, scenario, report, series, holds } = comparedOf(snapshot);
  setCompare((c) => ({
    runs: c.runs.map((r) =>
      r.runId === runId ? { ...r, backend, system, scenario, report, series, holds } : r,
    ),
  }));
}

/** The socket tells us when a compared run ends. */
export function noteComparedSummary(summary: RunSummary): void {
  const { runs } = useStore.getState().compare;
  if (runs.some((r) => r.runId === summary.id) && ['finished', 'failed', 'stopped'].includes(summary.state)) {
    void refresh(summary.id).catch(() => {});
  }
}

/** Opens the comparison an address names (`/compare?runs=A,B,C`). */
export async function openComparison(): Promise<void> {
  if (window.location.pathname !== '/compare') return;
  const ids = (new URLSearchParams(window.location.search).get('runs') ?? '')
    .split(',')
    .filter((id) => id !== '');
  try {
    const snapshots = await Promise.all(ids.map((id) => getRun(id)));
    const fetched = snapshots.map(comparedOf);
    useStore.setState((s) => ({ compare: openedComparison(s.compare, ids, fetched) }));
  } catch (error) {
    setCompare({ error: (error as Error).message });
  }
}
