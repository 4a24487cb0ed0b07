import {
  FAULT_KINDS,
  type FaultKind,
  type Scenario,
  type ScheduleOutcome,
  type SweepRow,
  type SweepViolation,
  scenarioInputSchema,
  WRITER_MODES,
} from '@eolab/engine';
import { z } from 'zod';
import { boundedJson } from './json-shape';

/**
 * Sweeps on the server: random fault schedules drawn on a base scenario, run in every writer mode
 * on worker threads, their outcomes kept per schedule. `POST /api/sweeps` starts one, progress
 * goes to every socket as `sweep:progress`, `GET /api/sweeps/:id` answers with the result, `POST
 * /api/sweeps/:id/cancel` stops it. The same spec gives the same result as `eolab sweep`.
 */

/** The most schedules one sweep on the server may run (each in three modes). */
export const MAX_SERVER_SCHEDULES = 20_000;
export const MAX_SWEEP_FAULTS = 20;

export const sweepIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'expected a sweep id' });

/**
 * What a sweep starts from: a preset, a scenario given in full, or a stored run (its scenario and
 * fault timeline, clicked faults included). None: random knobs, as `eolab sweep` draws them.
 */
export const sweepBaseSchema = z.union(
  [
    z.strictObject({ preset: z.string().max(64) }),
    z.strictObject({ scenario: scenarioInputSchema }),
    z.strictObject({ runId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'expected a run id' }) }),
  ],
  { error: 'expected one of {preset}, {scenario} or {runId}' },
);

export const createSweepSchema = boundedJson(
  z.strictObject({
    schedules: z
      .int()
      .min(1)
      .max(MAX_SERVER_SCHEDULES, {
        error: `at most ${MAX_SERVER_SCHEDULES} schedules on the server (eolab sweep takes more)`,
      }),
    seed: z.int().min(0).max(0xffffffff).optional(),
    base: sweepBaseSchema.optional(),
    kinds: z
      .array(z.enum(FAULT_KINDS))
      .min(1, { error: 'choose at least one fault kind' })
      .max(FAULT_KINDS.length)
      .optional(),
    maxFaults: z.int().min(0).max(MAX_SWEEP_FAULTS).optional(),
  }),
);
export type CreateSweepRequest = z.output<typeof createSweepSchema>;

export const SWEEP_STATES = ['running', 'done', 'cancelled', 'failed'] as const;
export type SweepState = (typeof SWEEP_STATES)[number];

/** A sweep's spec as stored: the base resolved to its scenario, every default filled in. */
export interface StoredSweepSpec {
  schedules: number;
  seed: number;
  /** The base scenario (null: random knobs) and where it came from, in words ("preset lease-expiry"). */
  base: Scenario | null;
  baseLabel: string;
  kinds: FaultKind[];
  maxFaults: number;
}

export interface SweepSummary {
  id: string;
  state: SweepState;
  spec: StoredSweepSpec;
  /** Schedules done so far (all of them once done). */
  done: number;
  createdAt: string;
  finishedAt: string | null;
  /** Runs with a broken guarantee (or an engine error), once done. */
  violations: number | null;
  /** Why it failed, when it did. */
  error: string | null;
}

/** A finished sweep's result: the table `eolab sweep` prints, its violations, each schedule's outcome. */
export interface SweepDetail extends SweepSummary {
  result: {
    rows: SweepRow[];
    violations: SweepViolation[];
    runs: number;
    schedules: ScheduleOutcome[];
  } | null;
}

export interface SweepsPage {
  sweeps: SweepSummary[];
}

/** Sent to every socket a few times a second while a sweep runs, and when it ends. */
export interface SweepProgress {
  sweepId: string;
  state: SweepState;
  done: number;
  total: number;
}

/** The writer modes a schedule's `runs` are listed in. */
export const SWEEP_MODES = WRITER_MODES;
