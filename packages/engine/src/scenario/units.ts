import { z } from 'zod';

/**
 * The zod pieces every part of a scenario builds on: times are whole milliseconds of virtual time,
 * named in their errors so a person finds the field.
 */

export const ms = (what: string) => z.int({ error: `${what} must be a whole number of milliseconds` }).min(0);
export const positiveMs = (what: string) => ms(what).min(1, { error: `${what} must be at least 1 ms` });

/**
 * Flink refuses a checkpoint interval or timeout under 10 ms (`CheckpointConfig.setCheckpointInterval`
 * and `setCheckpointTimeout` check `CheckpointCoordinatorConfiguration.MINIMAL_CHECKPOINT_TIME`).
 */
export const MINIMAL_CHECKPOINT_TIME_MS = 10;
export const checkpointMs = (what: string) =>
  ms(what).min(MINIMAL_CHECKPOINT_TIME_MS, {
    error: `${what} must be at least ${MINIMAL_CHECKPOINT_TIME_MS} ms (Flink's MINIMAL_CHECKPOINT_TIME)`,
  });

export const WRITER_MODES = ['BEST_EFFORT', 'ATLEAST_ONCE', 'EXACTLY_ONCE'] as const;
export type WriterMode = (typeof WRITER_MODES)[number];
