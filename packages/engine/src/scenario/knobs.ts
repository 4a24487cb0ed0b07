import { withDefaults } from './defaults';
import { type ParseResult, parseScenario } from './parse';
import type { Scenario, ScenarioInput, System } from './schema';

/**
 * A scenario's knobs (every setting below `source`, `checkpoint`, `sink`, `restart` and `checker`)
 * as paths, and a scenario written with only what differs from the defaults. Shrinking walks the
 * knobs toward their defaults; a saved or shrunk scenario file leaves the defaults out, so what
 * it sets is what matters.
 */

const KNOB_GROUPS = ['source', 'checkpoint', 'sink', 'restart', 'checker', 'kafka'] as const;

export type KnobValue = number | string | boolean;

/** A knob: its path (`sink.txnLeaseMs`, `sink.controllerRetry.attempts`) and its value. */
export interface Knob {
  path: string[];
  value: KnobValue;
}

/** The defaults for this scenario's system, mode and number of events (some defaults depend on them). */
export function defaultsFor(scenario: Pick<Scenario, 'mode' | 'numEvents' | 'system'>): Scenario {
  return withDefaults({
    version: 1,
    mode: scenario.mode,
    numEvents: scenario.numEvents,
    ...(scenario.system === 'kafka' ? { system: 'kafka' as const } : {}),
  });
}

/** Every knob of a scenario, in the order of the scenario file. */
export function knobsOf(scenario: Scenario): Knob[] {
  const knobs: Knob[] = [];
  const walk = (value: unknown, path: string[]): void => {
    if (typeof value === 'object' && value !== null) {
      for (const [key, inner] of Object.entries(value)) walk(inner, [...path, key]);
    } else knobs.push({ path, value: value as KnobValue });
  };
  for (const group of KNOB_GROUPS) walk(scenario[group], [group]);
  return knobs;
}

export function knobValue(scenario: Scenario, path: readonly string[]): KnobValue {
  let value: unknown = scenario;
  for (const key of path) value = (value as Record<string, unknown>)[key];
  return value as KnobValue;
}

/** A copy of the scenario with one knob set (the rest shared: scenarios are never mutated). */
export function withKnob(scenario: Scenario, path: readonly string[], value: KnobValue): Scenario {
  const set = (node: unknown, depth: number): unknown => {
    const key = path[depth]!;
    const record = node as Record<string, unknown>;
    return { ...record, [key]: depth === path.length - 1 ? value : set(record[key], depth + 1) };
  };
  return set(scenario, 0) as Scenario;
}

/**
 * The scenario file that parses back to this scenario, with every knob at its default left out
 * (`parseScenario(minimalInput(s))` equals `s`).
 */
export function minimalInput(scenario: Scenario): ScenarioInput {
  const defaults = defaultsFor(scenario);
  const input: Record<string, unknown> = {
    version: 1,
    name: scenario.name,
    seed: scenario.seed,
    ...(scenario.system === 'kafka' ? { system: 'kafka' } : {}),
    mode: scenario.mode,
    numEvents: scenario.numEvents,
  };
  for (const { path, value } of knobsOf(scenario)) {
    if (knobValue(defaults, path) === value) continue;
    // Kafka's knobs mean nothing to a Pravega run (its file may not name them).
    if (path[0] === 'kafka' && scenario.system !== 'kafka') continue;
    let node = input;
    for (const key of path.slice(0, -1)) {
      node[key] ??= {};
      node = node[key] as Record<string, unknown>;
    }
    node[path.at(-1)!] = value;
  }
  if (scenario.faults.length > 0) input.faults = scenario.faults;
  return input as ScenarioInput;
}

/**
 * The same scenario on another system: what it sets is kept, what it leaves to the defaults takes
 * the new system's (Kafka's client retries differ from Pravega's). Kafka's own settings are dropped
 * on the way to Pravega; a fault the target system cannot have is refused with its field.
 */
export function withSystem(scenario: Scenario, system: System): ParseResult<Scenario> {
  if (scenario.system === system) return { ok: true, value: scenario };
  const {
    kafka: _kafka,
    system: _system,
    ...rest
  } = minimalInput(scenario) as ScenarioInput & Record<string, unknown>;
  return parseScenario(system === 'kafka' ? { ...rest, system } : rest);
}
