import { createHash } from 'node:crypto';
import {
  PRESETS,
  presetScenario,
  randomScenario,
  type Scenario,
  type SimEvent,
  Simulation,
  WRITER_MODES,
} from '../src/index';

/** Sweep schedules in the fingerprint, each in every mode: enough to reach every fault kind. */
const SCHEDULES = 120;

/** The runs whose outcomes the fingerprint holds: every preset and a slice of the sweep, in every mode. */
export function fingerprintScenarios(): { name: string; scenario: Scenario }[] {
  const out: { name: string; scenario: Scenario }[] = [];
  for (const preset of PRESETS)
    for (const mode of WRITER_MODES)
      out.push({ name: `${preset.id}/${mode}`, scenario: presetScenario(preset.id, mode)! });
  for (let seed = 1; seed <= SCHEDULES; seed++)
    for (const mode of WRITER_MODES)
      out.push({ name: `sweep-${seed}/${mode}`, scenario: randomScenario(seed, mode) });
  return out;
}

export interface Fingerprint {
  /** sha256 of the report's JSON, per run. */
  reports: Record<string, string>;
  /** sha256 of the event log's JSON, per run. */
  events: Record<string, string>;
}

const sha = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);

/** Every run's report and event log, hashed: a refactor must leave both byte-identical. */
export function fingerprint(): Fingerprint {
  const reports: Record<string, string> = {};
  const events: Record<string, string> = {};
  for (const { name, scenario } of fingerprintScenarios()) {
    const sim = new Simulation(scenario);
    const log: SimEvent[] = [];
    sim.on((e) => log.push(e));
    reports[name] = sha(sim.runToEnd());
    events[name] = sha(log);
  }
  return { reports, events };
}
