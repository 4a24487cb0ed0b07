import {
  presetScenario,
  type Report,
  type Scenario,
  type SimEvent,
  Simulation,
  type WriterMode,
} from '@eolab/engine';

/** Runs a preset in the engine, as the server would, and keeps every protocol event. */
export function runPreset(
  id: string,
  mode: WriterMode,
  change: Partial<Scenario> = {},
): { report: Report; events: SimEvent[] } {
  const scenario = presetScenario(id, mode);
  if (scenario === undefined) throw new Error(`no preset ${id}`);
  const sim = new Simulation({ ...scenario, ...change });
  const events: SimEvent[] = [];
  sim.on((e) => events.push(e));
  const report = sim.runToEnd();
  return { report, events };
}
