import { resolve } from 'node:path';
import { z } from 'zod';

/** Every setting the server reads from the environment, in one place, with defaults and validation. */
export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  /** The built dashboard, served when present. */
  webDir: string;
  logLevel: string;
  limits: Limits;
}

export interface Limits {
  maxEventsPerRun: number;
  /** Checkpoints a run may ask for (estimated from its length): bounds the work of one run. */
  maxCheckpointsPerRun: number;
  maxActiveRuns: number;
  maxInjectionsPerSecond: number;
  /** Largest REST body (an exported run with its report must fit). */
  maxBodyBytes: number;
  /** Largest socket.io message a client may send (a scenario fits easily). */
  maxSocketPayloadBytes: number;
  /** Deltas per second sent to each run's watchers. */
  deltaRateHz: number;
}

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  EOLAB_DATA_DIR: z.string().min(1).default('./data'),
  EOLAB_WEB_DIR: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  EOLAB_MAX_EVENTS_PER_RUN: z.coerce.number().int().min(1).default(20_000_000),
  EOLAB_MAX_CHECKPOINTS_PER_RUN: z.coerce.number().int().min(1).default(2_000_000),
  EOLAB_MAX_ACTIVE_RUNS: z.coerce.number().int().min(1).default(8),
  EOLAB_MAX_INJECTIONS_PER_SECOND: z.coerce.number().int().min(1).default(5),
  EOLAB_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1_024)
    .default(1_024 * 1_024),
  EOLAB_DELTA_RATE_HZ: z.coerce.number().int().min(1).max(30).default(12),
});

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`bad environment: ${problems}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: resolve(e.EOLAB_DATA_DIR),
    webDir: resolve(e.EOLAB_WEB_DIR ?? new URL('../../web/dist', import.meta.url).pathname),
    logLevel: e.LOG_LEVEL,
    limits: {
      maxEventsPerRun: e.EOLAB_MAX_EVENTS_PER_RUN,
      maxCheckpointsPerRun: e.EOLAB_MAX_CHECKPOINTS_PER_RUN,
      maxActiveRuns: e.EOLAB_MAX_ACTIVE_RUNS,
      maxInjectionsPerSecond: e.EOLAB_MAX_INJECTIONS_PER_SECOND,
      maxBodyBytes: e.EOLAB_MAX_BODY_BYTES,
      maxSocketPayloadBytes: 64 * 1024,
      deltaRateHz: e.EOLAB_DELTA_RATE_HZ,
    },
  };
}
