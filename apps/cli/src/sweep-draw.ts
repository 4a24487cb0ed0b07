import { FAULT_KINDS, type FaultKind, kindsOn, type Scenario, type SweepSpec } from '@eolab/engine';
import { type Flags, UsageError } from './args';
import { onSystem, parseSystem } from './system-flag';

/**
 * How `eolab sweep` draws its schedules, from its flags: on a base scenario (--preset or
 * --scenario: its knobs and faults, with random faults added), from some fault kinds (--kinds),
 * with at most so many added faults (--max-faults), on a system (--system). None of them: random knobs, every kind, up
 * to 4 faults, as always. The dashboard's Sweep page takes the same choices, and gives the same
 * results for the same ones.
 */
export const SWEEP_DRAW_FLAGS = {
  preset: { type: 'string' },
  scenario: { type: 'string' },
  system: { type: 'string' },
  kinds: { type: 'string' },
  'max-faults': { type: 'integer' },
} as const;

type LoadScenario = (preset: string | undefined, file: string | undefined, mode: undefined) => Scenario;

export function sweepDraw(
  flags: Flags,
  loadScenario: LoadScenario,
): Omit<SweepSpec, 'schedules' | 'seed'> | undefined {
  const draw: Omit<SweepSpec, 'schedules' | 'seed'> = {};
  const system = parseSystem(flags.system as string | undefined);
  if (flags.preset !== undefined || flags.scenario !== undefined)
    draw.base = onSystem(
      loadScenario(flags.preset as string | undefined, flags.scenario as string | undefined, undefined),
      system,
    );
  else if (system !== undefined) draw.system = system;
  if (flags.kinds !== undefined) draw.kinds = parseKinds(String(flags.kinds));
  if (
    draw.kinds !== undefined &&
    kindsOn(draw.base?.system ?? draw.system ?? 'pravega', draw.kinds).length === 0
  )
    throw new UsageError(
      "--kinds: Kafka has no commit-rejected (Pravega's TxnFailedException): name another kind",
    );
  if (flags['max-faults'] !== undefined) {
    const max = flags['max-faults'] as number;
    if (max > 20) throw new UsageError('--max-faults: expected 0 to 20');
    draw.maxFaults = max;
  }
  return Object.keys(draw).length === 0 ? undefined : draw;
}

/** `store-outage,job-pause`: known kinds, each once, kept in catalogue order (the draw's order). */
function parseKinds(value: string): FaultKind[] {
  const named = value.split(',').map((k) => k.trim());
  for (const kind of named) {
    if (!(FAULT_KINDS as readonly string[]).includes(kind))
      throw new UsageError(
        `--kinds: unknown fault kind '${kind}' (expected some of ${FAULT_KINDS.join(', ')})`,
      );
  }
  return FAULT_KINDS.filter((k) => named.includes(k));
}
