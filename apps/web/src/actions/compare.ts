import { type Scenario, WRITER_MODES, type WriterMode } from '@eolab/engine';
import type { BackendKind } from '@eolab/protocol';
import { createRun, replayRun } from '../api/rest';
import { navigate } from '../nav/route';
import { byMode, bySystem, type ComparedRun, noComparison, waiting } from '../state/compare';
import { onSystem, runNameOf } from '../state/controls';
import { useStore } from '../state/store';
import { openComparison, refresh, setCompare } from '../sync/compare-sync';

/**
 * Compare modes: the run on screen replayed, with its exact fault timeline (clicked faults
 * included), in the other writer modes; the reports side by side.
 */
export async function compareModes(baseRunId: string, baseMode: WriterMode): Promise<void> {
  const base = waiting(baseMode, baseRunId, 'simulated');
  setCompare({ ...noComparison, kind: 'modes', baseRunId, runs: [base] });
  try {
    const others = WRITER_MODES.filter((m) => m !== baseMode);
    const created = await Promise.all(others.map((mode) => replayRun(baseRunId, mode, 'max')));
    const runs: ComparedRun[] = [
      base,
      ...others.map((mode, i) => waiting(mode, created[i]!.runId, 'simulated')),
    ];
    runs.sort(byMode);
    await showing(
      runs,
      created.map((c) => c.runId),
    );
  } catch (error) {
    refused(error, baseRunId);
  }
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
  const base = waiting(mode, baseRunId, backend);
  setCompare({ ...noComparison, kind: 'backends', baseRunId, runs: [base] });
  try {
    const created = await replayRun(baseRunId, mode, 'max', other);
    const replay = waiting(mode, created.runId, other);
    await showing(backend === 'simulated' ? [base, replay] : [replay, base], [created.runId]);
  } catch (error) {
    refused(error, baseRunId);
  }
}

/**
 * Pravega vs Kafka: the run on screen (its scenario with its whole fault timeline, clicked faults
 * included) run again on the other system with the engine's withSystem (what it sets is kept, what
 * it leaves to the defaults takes that system's), in the model; Pravega's column first.
 */
export async function compareSystems(baseRunId: string, scenario: Scenario): Promise<void> {
  const other = scenario.system === 'kafka' ? 'pravega' : 'kafka';
  const base = waiting(scenario.mode, baseRunId, 'simulated', scenario.system);
  setCompare({ ...noComparison, kind: 'systems', baseRunId, runs: [base] });
  try {
    const moved = onSystem(scenario, other);
    const created = await createRun({
      scenario: moved,
      name: runNameOf(moved) ?? moved.name,
      speed: 'max',
      replayOf: baseRunId,
    });
    const runs = [base, waiting(scenario.mode, created.runId, 'simulated', other)].sort(bySystem);
    await showing(runs, [created.runId]);
  } catch (error) {
    refused(error, baseRunId);
  }
}

/** The replays created: the comparison gets an address of its own, then each run's report. */
async function showing(runs: ComparedRun[], stored: string[]): Promise<void> {
  setCompare({ runs, stored });
  window.history.replaceState(null, '', `/compare?runs=${runs.map((r) => r.runId).join(',')}`);
  await Promise.all(runs.map((r) => refresh(r.runId)));
}

/**
 * A refusal (the server would not create a replay) ends the waiting: the reason is shown, and the
 * run on screen shows what it has instead of "running…" for a replay that will never come.
 */
function refused(error: unknown, baseRunId: string): void {
  setCompare((c) => ({ error: (error as Error).message, runs: c.runs.filter((r) => r.runId === baseRunId) }));
  void refresh(baseRunId).catch(() => {});
}

/** Compares runs ticked on the Runs page: the comparison's own address, then its reports. */
export function comparePicked(ids: readonly string[]): void {
  navigate(`/compare?runs=${ids.map(encodeURIComponent).join(',')}`);
  setCompare({ ...noComparison, kind: 'picked', baseRunId: ids[0] ?? null });
  void openComparison();
}

export function closeCompare(): void {
  const base = useStore.getState().compare.baseRunId;
  setCompare({ baseRunId: null, runs: [], stored: [], error: null });
  if (base !== null && window.location.pathname === '/compare') {
    window.history.replaceState(null, '', `/?run=${encodeURIComponent(base)}`);
  }
}
