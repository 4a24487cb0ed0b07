import type { Cause, StripCell, ValueLife } from '@eolab/engine';
import { z } from 'zod';

/**
 * "Find a value": one value's life, and a strip of values at one moment. A model run is replayed
 * with a tracer (the engine's ValueTrace), so the work is a run's worth: the server refuses runs too
 * large to replay on request. `GET /api/runs/:id/values/:value` and `GET /api/runs/:id/values?from&to&atMs`.
 */

/** Values in one strip: what fits on a screen. */
export const MAX_STRIP_VALUES = 100;

const valueField = z.coerce
  .number({ error: 'expected a whole number' })
  .int({ error: 'expected a whole number' })
  .min(1, { error: 'values start at 1' })
  .max(2 ** 31, { error: 'too large' });

/** The path's `:value`, parsed as `{ value }` so an error names the field. */
export const valueParamSchema = z.strictObject({ value: valueField });

export const stripQuerySchema = z
  .strictObject({
    from: valueField,
    to: valueField,
    /** The moment shown, virtual ms; the run's end (or now) when absent. */
    atMs: z.coerce
      .number({ error: 'expected a number of ms' })
      .int({ error: 'expected whole ms' })
      .min(0, { error: 'expected 0 or more' })
      .max(2 ** 31, { error: 'too large' })
      .optional(),
  })
  .refine((q) => q.to >= q.from, { error: 'expected a value at or after from', path: ['to'] })
  .refine((q) => q.to - q.from < MAX_STRIP_VALUES, {
    error: `at most ${MAX_STRIP_VALUES} values per strip`,
    path: ['to'],
  });
export type StripQuery = z.output<typeof stripQuerySchema>;

/** What the whole-stream checker made of the value, and the engine's cause when it was duplicated or lost. */
export type ValueOutcome = 'read-once' | 'duplicated' | 'lost' | 'never-emitted' | 'not-read-yet';

export interface ValueLifeResponse {
  runId: string;
  life: ValueLife;
  outcome: ValueOutcome;
  /** The report's cause that names this value (null while the run goes on, or when it was read once). */
  cause: Cause | null;
  /** The reader's isolation, and the virtual time the replay reached (the run's end, or where it is now). */
  isolation: 'read_committed' | 'read_uncommitted';
  untilMs: number;
  /** Whether the run has ended (then `untilMs` is its end), or goes on. */
  runEnded: boolean;
  /** What this life cannot tell (a real run keeps only committed rows); null for a model run. */
  note: string | null;
}

export interface ValueStripResponse {
  runId: string;
  from: number;
  to: number;
  atMs: number;
  isolation: 'read_committed' | 'read_uncommitted';
  cells: StripCell[];
}
