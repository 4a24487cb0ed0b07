import type { FaultKind, System } from '@eolab/engine';
import type { PostgresServer } from '../postgres/server';
import { randomRealScenario, realFaultKinds } from './random-schedules';
import { type Verification, verifyScenario } from './verify';

/**
 * `eolab verify --schedules N`: random schedules of the faults this backend reproduces, each run on
 * the model and on PostgreSQL, and how the two compare:
 * - `agree`: the same duplicate and missing values, the same ending, no difference at all;
 * - `timing`: they differ, on a schedule where real timing decides (`timingDecides` says why: a
 *   fault at a time, a checkpoint whose position depends on the source's pace). The differences
 *   are still listed, a different outcome class among them: a crash 77 ms into the job can strike
 *   the model's source mid-stream and the real task process before its first write.
 * - `differ`: they differ on a deterministic schedule: the model is wrong, or the backend is.
 * `eolab verify --scenario` is stricter where timing decides (the outcome class must agree): there
 * a person chose the schedule; here a random draw did.
 */
export const AGREEMENTS = ['agree', 'timing', 'differ'] as const;
export type Agreement = (typeof AGREEMENTS)[number];

export interface ScheduleVerification {
  /** The schedule's index in the run (0 first); its seed is the run's seed plus the index. */
  index: number;
  agreement: Agreement;
  verification: Verification;
}

export function agreementOf(v: Verification): Agreement {
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  const sameValues =
    same(v.model.duplicates, v.postgres.duplicates) && same(v.model.missing, v.postgres.missing);
  if (v.differences.length === 0 && sameValues) return 'agree';
  return v.timingDecides === null ? 'differ' : 'timing';
}

/** Verifies `count` schedules from `seed` on, one after the other on one server, in schedule order. */
export async function verifySchedules(
  count: number,
  seed: number,
  server: PostgresServer,
  onResult?: (result: ScheduleVerification) => void,
  /** Asked before each schedule: true stops the sweep there (a cancel), with the results so far. */
  shouldStop: () => boolean = () => false,
  system: System = 'pravega',
): Promise<ScheduleVerification[]> {
  const kinds = realFaultKindsOn(server, system);
  const results: ScheduleVerification[] = [];
  for (let index = 0; index < count && !shouldStop(); index++) {
    const verification = await verifyScenario(
      randomRealScenario((seed + index) >>> 0, kinds, system),
      server,
    );
    const result = { index, agreement: agreementOf(verification), verification };
    results.push(result);
    onResult?.(result);
  }
  return results;
}

/** The fault kinds a server takes on a system: a store outage stops PostgreSQL, so only one eolab started. */
export function realFaultKindsOn(
  server: Pick<PostgresServer, 'outage'>,
  system: System = 'pravega',
): FaultKind[] {
  return realFaultKinds(system).filter((kind) => kind !== 'store-outage' || server.outage !== undefined);
}
