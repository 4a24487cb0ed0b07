import {
  FAULT_KINDS,
  type Fault,
  type FaultKind,
  faultEntry,
  isDurationFaultKind,
  Prng,
  parseScenario,
  type Scenario,
  type System,
  WRITER_MODES,
} from '@eolab/engine';
import { whyUnsupported } from '../coordinator/faults';

/**
 * Random schedules for `eolab verify --schedules`: drawn like the sweep's (the catalogue's own
 * draws) from the faults this backend reproduces, but shaped to run for real in a second or two:
 * 50 to 300 events, the sample's first checkpoint often pinned by the throttle (so some schedules
 * are deterministic and must agree value for value), short outages and pauses (a pause stays
 * under the heartbeat timeout, an outage under the writers' retry budget), quick restarts and the
 * default 30 s lease, which no run this short outlives, and more restarts than faults. Each schedule has one writer mode, drawn
 * too: a real run costs seconds, not the sweep's fraction of a millisecond.
 */
export const REAL_FAULT_KINDS = realFaultKinds('pravega');

/** The fault kinds the backend reproduces on a system. */
export function realFaultKinds(system: System): FaultKind[] {
  return FAULT_KINDS.filter((kind) => whyUnsupported(kind, system) === null);
}

const QUICK_RETRY = { attempts: 30, initialBackoffMs: 10, backoffMultiple: 2, maxBackoffMs: 500 };

/** What a draw needs of the schedule around a fault. */
interface Shape {
  numEvents: number;
  intervalMs: number;
  throttleUntil: number;
  runLengthMs: number;
}

/**
 * A random schedule. `kinds`: the fault kinds to draw from (all the backend reproduces on Pravega
 * by default; without store-outage for a server eolab may not stop, the one EOLAB_POSTGRES_URL
 * names; `realFaultKinds('kafka')` for Kafka). `system`: kafka draws the same schedule on Kafka,
 * with Kafka's defaults for what it leaves out.
 */
export function randomRealScenario(
  seed: number,
  kinds: readonly FaultKind[] = REAL_FAULT_KINDS,
  system: System = 'pravega',
): Scenario {
  const prng = new Prng(seed);
  const numEvents = prng.int(50, 300);
  const intervalMs = prng.pick([50, 100, 200]);
  // Often under the first checkpoint's trigger: the source then blocks there, and the first
  // checkpoint's position is pinned (timingDecides).
  const throttleUntil = prng.int(5, 20);
  const shape = {
    numEvents,
    intervalMs,
    throttleUntil,
    runLengthMs: throttleUntil * 5 + numEvents + 3 * intervalMs,
  };
  const faults: Fault[] = [];
  // Mostly one fault: every fault at a time makes timing decide the whole schedule.
  const faultCount = prng.pick([0, 1, 1, 1, 2, 3]);
  for (let i = 0; i < faultCount; i++) faults.push(realFault(prng, kinds, shape));
  const parsed = parseScenario({
    version: 1,
    name: `verify-${seed}`,
    seed,
    // Drawn alike on both systems: the same seed gives the same schedule on either.
    ...(system === 'kafka' ? { system } : {}),
    mode: prng.pick(WRITER_MODES),
    numEvents,
    source: { throttleUntilPosition: throttleUntil },
    checkpoint: { intervalMs },
    // PostgreSQL takes 1.5-2 s to come back from a crash: with the client's default backoff the
    // writers' next try would be 10 s later, so a store outage retries on a quicker schedule.
    ...(faults.some((f) => f.kind === 'store-outage') ? { sink: { writerRetry: QUICK_RETRY } } : {}),
    // More restarts than faults: whether a second crash strikes a running attempt or the restart
    // gap (and so uses a restart) is real timing, and the budget running out would turn that into
    // a job failed for good on one side only.
    restart: { attempts: faultCount + prng.int(1, 2), delayMs: prng.pick([0, 0, 50, 200]) },
    faults,
  });
  if (!parsed.ok) throw new Error(`verify drew an invalid scenario: ${parsed.errors.join('; ')}`);
  return parsed.value;
}

/**
 * A fault the backend reproduces, drawn by its catalogue entry, with three changes for a short
 * real run: a lasting fault lasts 20 to 800 ms; a checkpoint fault strikes checkpoint 1 to 4 (1,
 * pinned by the throttle, half the time); the
 * mapper's exception is mostly at an element, often just before or after the first checkpoint,
 * where the schedule stays deterministic and the two must agree value for value.
 */
function realFault(prng: Prng, kinds: readonly FaultKind[], shape: Shape): Fault {
  const kind = prng.pick(kinds);
  const atMs = prng.int(0, shape.runLengthMs);
  if (kind === 'mapper-exception' && !prng.chance(1, 4)) {
    const nearFirstCheckpoint = shape.throttleUntil + 1 + Math.floor(shape.intervalMs / 2);
    const last = prng.chance(1, 2) ? Math.min(nearFirstCheckpoint, shape.numEvents) : shape.numEvents;
    return { kind, atElement: prng.int(2, last) };
  }
  const drawn = faultEntry(kind).draw(prng, { atMs, numEvents: shape.numEvents, parallelism: 2 });
  const fault: Fault = isDurationFaultKind(kind)
    ? ({ ...drawn, durationMs: prng.int(20, 800) } as Fault)
    : drawn;
  if ('checkpoint' in fault && fault.checkpoint !== undefined)
    return { ...fault, checkpoint: prng.chance(1, 2) ? 1 : prng.int(2, 4) };
  return fault;
}
