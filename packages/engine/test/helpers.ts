import {
  parseScenario,
  type Report,
  type Scenario,
  type ScenarioInput,
  type SimEvent,
  Simulation,
} from '../src/index';

/** Parses a scenario, failing the test with the field errors when it does not fit. */
export function scenario(input: ScenarioInput): Scenario {
  const parsed = parseScenario(input);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return parsed.value;
}

export function run(s: Scenario): { report: Report; events: SimEvent[] } {
  const sim = new Simulation(s);
  const events: SimEvent[] = [];
  sim.on((e) => events.push(e));
  const report = sim.runToEnd();
  return { report, events };
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

export function ofKind<K extends SimEvent['kind']>(
  events: SimEvent[],
  kind: K,
): Extract<SimEvent, { kind: K }>[] {
  return events.filter((e): e is Extract<SimEvent, { kind: K }> => e.kind === kind);
}

/** The console lines one side of the sample printed (`writer` or `checker`), in order. */
export function consoleLines(events: SimEvent[], source: 'writer' | 'checker'): string[] {
  return ofKind(events, 'console')
    .filter((e) => e.source === source)
    .map((e) => e.line);
}
