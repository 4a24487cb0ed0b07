import {
  PRESETS,
  presetScenario,
  type Scenario,
  type System,
  type WriterMode,
  withSystem,
} from '@eolab/engine';
import type { BackendKind, Speed } from '@eolab/protocol';

/**
 * The controls slice: what the sidebar describes, and so what Start runs next. Pure: the data,
 * its first value and the functions that compute a new one; actions/ sets it.
 */

export interface Knobs {
  numEvents: number;
  checkpointIntervalMs: number;
  parallelism: number;
  txnLeaseMs: number;
  restartAttempts: number;
  restartDelayMs: number;
  isolation: 'read_committed' | 'read_uncommitted';
  seed: number;
  /** Pravega or Kafka: the preset's (or opened run's) scenario is run on this system. */
  system: System;
  /** Kafka's knobs (scenario.kafka), applied only when the system is Kafka. */
  transactionTimeoutMs: number;
  maxTransactionTimeoutMs: number;
  abortTimedOutIntervalMs: number;
  partitions: number;
  producerPoolSize: number;
}

export interface ControlsSlice {
  presetId: string;
  /**
   * The scenario of a run opened on screen (a stored run, a share link, an import) when no preset
   * gives it: the knobs then edit it, and Start runs it. Null when a preset is chosen.
   */
  baseScenario: Scenario | null;
  mode: WriterMode;
  knobs: Knobs;
  speed: Speed;
  /**
   * Where the next run happens: the model, or the sample's job for real against PostgreSQL. A
   * real run goes in real time, so speed and pause do not apply to it.
   */
  backendChoice: BackendKind;
}

export function knobsOf(scenario: Scenario): Knobs {
  return {
    numEvents: scenario.numEvents,
    checkpointIntervalMs: scenario.checkpoint.intervalMs,
    parallelism: scenario.sink.parallelism,
    txnLeaseMs: scenario.sink.txnLeaseMs,
    restartAttempts: scenario.restart.attempts,
    restartDelayMs: scenario.restart.delayMs,
    isolation: scenario.checker.isolation,
    seed: scenario.seed,
    system: scenario.system,
    transactionTimeoutMs: scenario.kafka.transactionTimeoutMs,
    maxTransactionTimeoutMs: scenario.kafka.maxTransactionTimeoutMs,
    abortTimedOutIntervalMs: scenario.kafka.abortTimedOutIntervalMs,
    partitions: scenario.kafka.partitions,
    producerPoolSize: scenario.kafka.producerPoolSize,
  };
}

/**
 * The scenario on `system`: the engine's withSystem (what it sets is kept, what it leaves to the
 * defaults takes the system's). Throws, naming the field, when it cannot run there (a Pravega-only
 * fault on Kafka).
 */
export function onSystem(scenario: Scenario, system: System): Scenario {
  const moved = withSystem(scenario, system);
  if (!moved.ok)
    throw new Error(`${scenario.name} cannot run on ${SYSTEM_NAMES[system]}: ${moved.errors.join('; ')}`);
  return moved.value;
}

export const SYSTEM_NAMES: Record<System, string> = { pravega: 'Pravega', kafka: 'Kafka' };

/**
 * The name a run of `scenario` is listed under: a preset run on the other system says so
 * ("seed · on Kafka"), so the Runs page tells it from the preset's own; else the server's default
 * (the scenario's name). The scenario keeps its name: it still follows its preset.
 */
export function runNameOf(scenario: Scenario): string | undefined {
  const presetSystem = PRESETS.find((p) => p.id === scenario.name)?.system ?? 'pravega';
  return scenario.system === presetSystem
    ? undefined
    : `${scenario.name} · on ${SYSTEM_NAMES[scenario.system]}`;
}

export const createControlsSlice = (): ControlsSlice => ({
  presetId: 'seed',
  baseScenario: null,
  mode: 'ATLEAST_ONCE',
  knobs: knobsOf(presetScenario('seed', 'ATLEAST_ONCE')!),
  speed: '10x',
  backendChoice: 'simulated',
});

/** JSON with its keys sorted: two scenarios built in different orders compare equal. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/** The controls with a preset picked: its knobs, in the mode already chosen (none for an unknown id). */
export function withPreset(s: ControlsSlice, presetId: string): Partial<ControlsSlice> {
  const scenario = presetScenario(presetId, s.mode);
  if (scenario === undefined) return {};
  return { presetId, baseScenario: null, knobs: knobsOf(scenario) };
}

/**
 * The sidebar describing a run put on screen: its preset (or its own scenario when no preset gives
 * it), its mode, its knobs and, while it runs, its speed. Start then runs that scenario again.
 */
export function following(s: ControlsSlice, scenario: Scenario, speed: Speed | null): Partial<ControlsSlice> {
  const fromPreset = presetScenario(scenario.name, scenario.mode);
  const samePreset =
    fromPreset !== undefined &&
    canonical(scenarioFrom(scenario.name, null, scenario.mode, knobsOf(scenario))) === canonical(scenario);
  return {
    presetId: samePreset ? scenario.name : s.presetId,
    baseScenario: samePreset ? null : scenario,
    mode: scenario.mode,
    knobs: knobsOf(scenario),
    ...(speed === null ? {} : { speed }),
  };
}

/** The scenario the controls describe: the preset, in the chosen mode, with the knobs applied. */
export function scenarioOfControls(s: ControlsSlice): Scenario {
  return scenarioFrom(s.presetId, s.baseScenario, s.mode, s.knobs);
}

/**
 * The knobs with another system chosen: the scenario moved there (withSystem), so the knobs it
 * left to the defaults take the new system's. Throws when the scenario cannot run there.
 */
export function withSystemKnob(s: ControlsSlice, system: System): Knobs {
  return knobsOf(scenarioFrom(s.presetId, s.baseScenario, s.mode, { ...s.knobs, system }));
}

/** The preset's scenario (or the opened run's own) in `mode` on the knobs' system, with the knobs applied. */
export function scenarioFrom(
  presetId: string,
  baseScenario: Scenario | null,
  mode: WriterMode,
  knobs: Knobs,
): Scenario {
  const chosen = baseScenario === null ? presetScenario(presetId, mode)! : { ...baseScenario, mode };
  const base = onSystem(chosen, knobs.system);
  const numEvents = knobs.numEvents;
  const resized = numEvents !== base.numEvents;
  // A preset's sample failure sits at element N/2 + 1 of its own N; keep it there when N changes.
  const faults = base.faults.map((f) =>
    f.kind === 'mapper-exception' && f.atElement !== undefined && resized
      ? { ...f, atElement: Math.floor(numEvents / 2) + 1 }
      : f,
  );
  return {
    ...base,
    seed: knobs.seed,
    numEvents,
    source: {
      ...base.source,
      // The throttle holds the first third at most, so the first checkpoint still lands inside it.
      throttleUntilPosition: resized
        ? Math.min(base.source.throttleUntilPosition, Math.max(1, Math.floor(numEvents / 3)))
        : base.source.throttleUntilPosition,
    },
    checkpoint: { ...base.checkpoint, intervalMs: knobs.checkpointIntervalMs },
    sink: { ...base.sink, parallelism: knobs.parallelism, txnLeaseMs: knobs.txnLeaseMs },
    restart: { ...base.restart, attempts: knobs.restartAttempts, delayMs: knobs.restartDelayMs },
    checker: { isolation: knobs.isolation },
    // A Pravega scenario keeps Kafka's defaults: the engine refuses Kafka settings on Pravega.
    kafka:
      knobs.system === 'kafka'
        ? {
            transactionTimeoutMs: knobs.transactionTimeoutMs,
            maxTransactionTimeoutMs: knobs.maxTransactionTimeoutMs,
            abortTimedOutIntervalMs: knobs.abortTimedOutIntervalMs,
            partitions: knobs.partitions,
            producerPoolSize: knobs.producerPoolSize,
          }
        : base.kafka,
    faults,
  };
}
