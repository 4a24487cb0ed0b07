import { Prng } from '../kernel/prng';
import { withDefaults } from '../scenario/defaults';
import { parseScenario } from '../scenario/parse';
import {
  FAULT_KINDS,
  type Fault,
  type FaultKind,
  faultEntry,
  type Scenario,
  type System,
  type WriterMode,
} from '../scenario/schema';

/**
 * Which schedule is number `index` of a sweep: a pure function of the sweep's spec, so that a
 * sweep's chunks can run anywhere, a dashboard can open any schedule of a stored sweep as a run,
 * and `eolab sweep` and the dashboard give the same results for the same spec.
 */

/** A sweep: how many schedules from which seed, drawn how. Plain JSON, stored with a sweep. */
export interface SweepSpec {
  schedules: number;
  seed: number;
  /**
   * The scenario each schedule starts from (its knobs and faults; random faults are added to it).
   * Absent: random knobs too, as `eolab sweep` draws them.
   */
  base?: Scenario;
  /** The fault kinds to draw from (default: every kind, in catalogue order). */
  kinds?: readonly FaultKind[];
  /** Each schedule adds 0 to this many random faults (default 4). */
  maxFaults?: number;
  /** The system of the random scenarios (default pravega); a base scenario names its own. */
  system?: System;
}

export const DEFAULT_MAX_FAULTS = 4;

/** Schedule `index` of the sweep, in `mode`. Its seed is the sweep's seed plus the index. */
export function scheduleOf(spec: SweepSpec, index: number, mode: WriterMode): Scenario {
  const seed = (spec.seed + index) >>> 0;
  const kinds = spec.kinds ?? FAULT_KINDS;
  const maxFaults = spec.maxFaults ?? DEFAULT_MAX_FAULTS;
  return spec.base === undefined
    ? drawScenario(seed, mode, kinds, maxFaults, spec.system)
    : drawOnBase(spec.base, seed, mode, kinds, maxFaults);
}

/**
 * The base scenario with 0 to `maxFaults` random faults added after its own, drawn (by their
 * catalogue entries) over the time its job would take without them: its throttled start, its
 * events, four checkpoint intervals. Named after the base and the schedule's seed; the base keeps
 * its own seed (the simulation's jitter), so a schedule without added faults is the base itself.
 */
export function drawOnBase(
  base: Scenario,
  seed: number,
  mode: WriterMode,
  kinds: readonly FaultKind[],
  maxFaults: number,
): Scenario {
  const prng = new Prng(seed);
  const { source, checkpoint } = base;
  const runLengthMs =
    source.throttleUntilPosition * source.throttleIntervalMs +
    base.numEvents * source.eventIntervalMs +
    4 * checkpoint.intervalMs;
  const count = prng.int(0, maxFaults);
  const faults = [...base.faults];
  const drawn = kindsOn(base.system, kinds);
  for (let i = 0; i < count; i++)
    faults.push(randomFault(prng, runLengthMs, base.numEvents, base.sink.parallelism, drawn));
  return { ...base, name: `${base.name}-${seed}`, mode, faults };
}

/**
 * A random scenario: the same schedule (faults, timing, knobs) whatever the mode, inside the real
 * system's bounds (leases of 10 s to 600 s). Most faults are short; one in eight lasts long enough
 * to outlive the client's retry budgets (91 s for the controller, 111 s for the writers), the
 * heartbeat timeout or the lease.
 */
export function randomScenario(seed: number, mode: WriterMode, system: System = 'pravega'): Scenario {
  const parsed = parseScenario(drawScenario(seed, mode, FAULT_KINDS, DEFAULT_MAX_FAULTS, system));
  if (!parsed.ok) throw new Error(`sweep drew an invalid scenario: ${parsed.errors.join('; ')}`);
  return parsed.value;
}

/**
 * `randomScenario` without the validation: the sweep's hot loop. Validating a drawn schedule (zod)
 * cost 8% of a sweep; the draws stay inside the schema's bounds by construction, and the sweep's
 * tests validate the draws of thousands of seeds.
 */
export function drawScenario(
  seed: number,
  mode: WriterMode,
  allKinds: readonly FaultKind[] = FAULT_KINDS,
  maxFaults = 4,
  system: System = 'pravega',
): Scenario {
  const kinds = kindsOn(system, allKinds);
  const prng = new Prng(seed);
  const numEvents = prng.int(50, 3_000);
  const intervalMs = prng.pick([20, 50, 100, 200]);
  const throttleUntil = Math.min(Math.floor(numEvents / 3), prng.int(1, 60));
  const runLengthMs = throttleUntil * 5 + numEvents + 4 * intervalMs;
  const parallelism = prng.int(1, 4);
  const faults: Fault[] = [];
  const faultCount = prng.int(0, maxFaults);
  for (let i = 0; i < faultCount; i++)
    faults.push(randomFault(prng, runLengthMs, numEvents, parallelism, kinds));
  return withDefaults({
    version: 1,
    name: `sweep-${seed}`,
    seed,
    mode,
    numEvents,
    source: {
      throttleUntilPosition: throttleUntil,
      finalCheckpoints: prng.chance(1, 10) ? prng.int(0, 1) : 2,
    },
    checkpoint: {
      intervalMs,
      timeoutMs: prng.pick([600_000, 2_000]),
      notifyJitterMs: prng.chance(1, 4) ? prng.int(1, 5) : 0,
      tolerableFailures: prng.pick([0, 0, 1, 3]),
    },
    sink: {
      parallelism,
      txnLeaseMs: prng.chance(2, 3) ? 30_000 : prng.int(10_000, 600_000),
      writeLatencyMs: prng.int(0, 5),
      flushLatencyMs: prng.int(0, 5),
      commitLatencyMs: prng.int(0, 10),
    },
    restart: { attempts: prng.int(0, 4), delayMs: prng.pick([0, 0, 50, 500, 1_500, 20_000]) },
    checker: { isolation: prng.chance(1, 8) ? 'read_uncommitted' : 'read_committed' },
    // Drawn last, and only for Kafka: a Pravega schedule draws what it always drew.
    ...(system === 'kafka' ? { system, kafka: drawKafka(prng) } : {}),
    faults,
  });
}

/**
 * Kafka's knobs: mostly the defaults; sometimes a timeout short enough for a restart or an outage
 * to outlast it, a quicker coordinator, more partitions than sinks or fewer, a small producer pool.
 */
function drawKafka(prng: Prng) {
  return {
    transactionTimeoutMs: prng.chance(2, 3) ? 900_000 : prng.int(10_000, 900_000),
    abortTimedOutIntervalMs: prng.pick([60_000, 10_000]),
    partitions: prng.pick([1, 1, 2, 3]),
    producerPoolSize: prng.chance(1, 8) ? prng.int(1, 3) : 5,
  };
}

/**
 * The fault kinds a system can have, of `kinds`: Kafka has no store that rejects a commit
 * (commit-rejected, Pravega's TxnFailedException). Sweeps draw from these; none left is bad input.
 */
export function kindsOn(system: System, kinds: readonly FaultKind[]): readonly FaultKind[] {
  return system === 'kafka' ? kinds.filter((k) => k !== 'commit-rejected') : kinds;
}

/** A random fault: its kind from the catalogue, its time, then what its entry draws. */
export function randomFault(
  prng: Prng,
  runLengthMs: number,
  numEvents: number,
  parallelism: number,
  kinds: readonly FaultKind[] = FAULT_KINDS,
): Fault {
  const kind: FaultKind = prng.pick(kinds);
  const atMs = prng.int(0, runLengthMs);
  return faultEntry(kind).draw(prng, { atMs, numEvents, parallelism });
}
