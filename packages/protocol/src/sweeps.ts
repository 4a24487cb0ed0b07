import {
  FAULT_KINDS,
  type Fault,
  type FaultKind,
  type Scenario,
  type ScheduleOutcome,
  type SweepRow,
  type SweepViolation,
  SYSTEMS,
  type System,
  scenarioInputSchema,
  WRITER_MODES,
  type WriterMode,
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
/** The most schedules one sweep on PostgreSQL may run: each is a real run. */
export const MAX_REAL_SCHEDULES = 100;
/** The protocol's BACKENDS, repeated here: this file is part of index.ts, which may not be imported back. */
export const SWEEP_BACKENDS = ['simulated', 'postgres'] as const;

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
  z
    .strictObject({
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
      /** The system the schedules run on (pravega by default), as `eolab sweep --system`; a base moves to it. */
      system: z.enum(SYSTEMS, { error: `expected one of ${SYSTEMS.join(', ')}` }).optional(),
      /**
       * Where the schedules run: the model (default), or each on the model and on PostgreSQL, as
       * `eolab verify --schedules` draws them (the faults the real backend reproduces; no base, kinds
       * or maxFaults; at most MAX_REAL_SCHEDULES: a real run takes seconds).
       */
      backend: z.enum(SWEEP_BACKENDS, { error: `expected one of ${SWEEP_BACKENDS.join(', ')}` }).optional(),
    })
    .superRefine((r, ctx) => {
      if (r.backend !== 'postgres') return;
      for (const field of ['base', 'kinds', 'maxFaults'] as const)
        if (r[field] !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: [field],
            message:
              'a sweep on PostgreSQL draws its own schedules (as eolab verify --schedules): leave it out',
          });
      if (r.schedules > MAX_REAL_SCHEDULES)
        ctx.addIssue({
          code: 'custom',
          path: ['schedules'],
          message: `at most ${MAX_REAL_SCHEDULES} schedules on PostgreSQL (each is a real run of a second or more)`,
        });
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
  /** Absent in sweeps stored before sweeps on PostgreSQL: the model. */
  backend?: (typeof SWEEP_BACKENDS)[number];
  /** Random knobs drawn on Kafka, or Kafka schedules on PostgreSQL (absent: Pravega); a base scenario names its own system. */
  system?: System;
}

/** What one side (the model, or PostgreSQL) gave for a schedule of a sweep on PostgreSQL. */
export interface VerifiedOutcome {
  verdict: string;
  ending: string;
  duplicates: number;
  missing: number;
}

/** One schedule of a sweep on PostgreSQL: drawn as `eolab verify --schedules` draws it, run on both. */
export interface VerifiedSchedule {
  index: number;
  seed: number;
  mode: WriterMode;
  faults: Fault[];
  /** `agree` value for value; `timing`: they differ where real timing decides; `differ`: otherwise. */
  agreement: 'agree' | 'timing' | 'differ';
  timingDecides: string | null;
  model: VerifiedOutcome;
  postgres: VerifiedOutcome;
  differences: string[];
  notes: string[];
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
  /**
   * A sweep on the fleet (the server has EOLAB_REDIS_URL): the `eolab worker`s connected to the
   * queue when last counted; 0 while running: it waits for one. Absent: on the server's threads.
   */
  fleetWorkers?: number;
}

/** A finished sweep's result: the table `eolab sweep` prints, its violations, each schedule's outcome. */
export interface SweepDetail extends SweepSummary {
  result: {
    rows: SweepRow[];
    violations: SweepViolation[];
    runs: number;
    schedules: ScheduleOutcome[];
  } | null;
  /** A sweep on PostgreSQL: each schedule verified so far (kept when cancelled). */
  verification?: { schedules: VerifiedSchedule[] } | null;
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
  /** On the fleet: the workers connected to the queue (0: waiting for one), as on SweepSummary. */
  fleetWorkers?: number;
}

/** The writer modes a schedule's `runs` are listed in. */
export const SWEEP_MODES = WRITER_MODES;
