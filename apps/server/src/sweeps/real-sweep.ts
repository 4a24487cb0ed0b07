import type { Report, System } from '@eolab/engine';
import type { ScheduleVerification } from '@eolab/postgres-backend';
import type { VerifiedOutcome, VerifiedSchedule } from '@eolab/protocol';
import type { PreparedRealSweep, RealBackend, RealSlot } from '../real/real-run';
import { SweepCancelled, type SweepJob } from './sweep-pool';

/**
 * A sweep on PostgreSQL: `eolab verify --schedules [--system kafka]` on the server. Each schedule runs on the model
 * and for real, one after the other, holding the one real-run slot (a real run beside it would
 * change its timing); a cancel stops before the next schedule and keeps what was verified.
 */
export function runRealSweep(
  sweepId: string,
  { count, seed, system }: { count: number; seed: number; system: System },
  real: RealBackend,
  { pg, server }: PreparedRealSweep,
  onSchedule: (schedule: VerifiedSchedule) => void,
): SweepJob<VerifiedSchedule[]> {
  let stopped: Error | null = null;
  const verified: VerifiedSchedule[] = [];
  const slot: RealSlot = {
    runId: `sweep ${sweepId}`,
    stop: () => {
      stopped ??= new SweepCancelled();
    },
    backendFailed: (reason) => {
      stopped ??= new Error(`PostgreSQL died: ${reason}`);
    },
  };
  real.claim(slot);
  const result = pg
    .verifySchedules(
      count,
      seed,
      server,
      (r) => {
        const schedule = verifiedOf(r);
        verified.push(schedule);
        onSchedule(schedule);
      },
      () => stopped !== null,
      system,
    )
    .finally(() => real.release(slot))
    .then(() => {
      if (stopped !== null) throw Object.assign(stopped, { partial: verified });
      return verified;
    });
  return { result, cancel: () => slot.stop() };
}

function outcome(r: Report): VerifiedOutcome {
  return { verdict: r.verdict, ending: r.ending, duplicates: r.counts.duplicates, missing: r.counts.missing };
}

function verifiedOf({ index, agreement, verification: v }: ScheduleVerification): VerifiedSchedule {
  return {
    index,
    seed: v.scenario.seed,
    mode: v.scenario.mode,
    faults: v.scenario.faults,
    agreement,
    timingDecides: v.timingDecides,
    model: outcome(v.model),
    postgres: outcome(v.postgres),
    differences: v.differences,
    notes: v.notes,
  };
}
