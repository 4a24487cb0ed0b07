import { type Scenario, type SweepSpec, scheduleOf, type WriterMode } from '@eolab/engine';
import type { StoredSweepSpec } from '@eolab/protocol';
import { navigate } from '../nav/route';
import { useStore } from '../state/store';
import { startScenario } from './run';

/**
 * What the Sweep page's buttons do beyond asking for a sweep: open one of its schedules (or a
 * shrunk one) as a run on the dashboard. A schedule is the engine's `scheduleOf(spec, index,
 * mode)`: the browser draws it exactly as the server's workers did.
 */

/** The engine's spec of a stored sweep. */
export function engineSpec(spec: StoredSweepSpec): SweepSpec {
  const { base, baseLabel: _label, ...draw } = spec;
  return base === null ? draw : { ...draw, base };
}

export function scheduleScenario(spec: StoredSweepSpec, index: number, mode: WriterMode): Scenario {
  return scheduleOf(engineSpec(spec), index, mode);
}

/** Opens a scenario as a new run on the dashboard, at full speed, and says so if it cannot. */
export async function openAsRun(scenario: Scenario): Promise<void> {
  navigate('/');
  useStore.setState({ speed: 'max', backendChoice: 'simulated' });
  try {
    await startScenario(scenario);
  } catch (error) {
    useStore.setState({ lastError: `Could not open the schedule as a run: ${(error as Error).message}` });
  }
}
