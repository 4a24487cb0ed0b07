import { randomBytes } from 'node:crypto';
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
  /**
   * Compress socket messages (permessage-deflate) above 1 KB. Off by default: every watcher's copy
   * of a broadcast is compressed on its own, which costs the server CPU per watcher; it pays only
   * on slow links (see README, Benchmarks).
   */
  socketDeflate: boolean;
  limits: Limits;
  access: AccessConfig;
  retention: RetentionConfig;
  cluster: ClusterConfig;
}

/**
 * Several servers, one lab (issue 22): with a Redis URL, servers share their runs' broadcasts and
 * commands through socket.io's Redis streams adapter; with a PostgreSQL URL, run history lives
 * there, shared. Neither set: one server, SQLite, as before.
 */
export interface ClusterConfig {
  redisUrl: string | null;
  databaseUrl: string | null;
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
  /** Runs one address may create per minute (REST and socket together). */
  runsPerMinutePerAddress: number;
  /** REST requests one address may make per second (health checks are not counted). */
  apiRequestsPerSecondPerAddress: number;
  /** Commands one socket may send per second. */
  socketCommandsPerSecond: number;
  /** Socket connections one address may open per minute (a dropped flooder cannot just reconnect forever). */
  socketConnectionsPerMinutePerAddress: number;
  /** Open TCP connections one address may hold; beyond it new ones are closed unread. */
  connectionsPerAddress: number;
  /** Wrong tokens one address may send per minute before all its tokens are refused unread. */
  wrongTokensPerMinutePerAddress: number;
  /** A real (PostgreSQL) run is stopped after this long, so it cannot hold the one real-run slot for hours. */
  maxRealRunMs: number;
}

/** Who may talk to the server. */
export interface AccessConfig {
  /** Required on every REST request and socket when set; always set when bound beyond loopback. */
  token: string | null;
  /** True when the server made the token up (it is then printed at start). */
  tokenGenerated: boolean;
  /** Origins allowed besides the dashboard's own (e.g. the Vite dev server). */
  allowedOrigins: string[];
  /** Bound to loopback only: then requests must name a loopback host (no DNS rebinding). */
  loopbackOnly: boolean;
}

/** Stored runs beyond these are deleted, oldest first (never a live or watched one). */
export interface RetentionConfig {
  maxRuns: number;
  maxBytes: number;
}

/** A whole number from the environment, with a message that quotes what was given. */
const int = (min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return fallback;
      const n = /^\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
      if (!Number.isSafeInteger(n) || n < min || n > max) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a whole number from ${min} to ${max}, got '${raw}'`,
        });
        return z.NEVER;
      }
      return n;
    });

/** An optional URL of one of `protocols`, with a message that says what was expected (never echoing a password). */
const url = (protocols: string[], example: string) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return null;
      let protocol = '';
      try {
        protocol = new URL(raw).protocol;
      } catch {
        // Reported below: not a URL.
      }
      if (!protocols.includes(protocol)) {
        ctx.addIssue({ code: 'custom', message: `expected a URL like ${example}` });
        return z.NEVER;
      }
      return raw;
    });

const envSchema = z.object({
  PORT: int(0, 65_535, 3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  EOLAB_DATA_DIR: z.string().min(1).default('./data'),
  EOLAB_WEB_DIR: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  EOLAB_SOCKET_DEFLATE: z.enum(['on', 'off']).default('off'),
  EOLAB_MAX_EVENTS_PER_RUN: int(1, Number.MAX_SAFE_INTEGER, 20_000_000),
  EOLAB_MAX_CHECKPOINTS_PER_RUN: int(1, Number.MAX_SAFE_INTEGER, 2_000_000),
  EOLAB_MAX_ACTIVE_RUNS: int(1, 10_000, 8),
  EOLAB_MAX_INJECTIONS_PER_SECOND: int(1, 1_000_000, 5),
  EOLAB_MAX_BODY_BYTES: int(1_024, 64 * 1024 * 1024, 1_024 * 1_024),
  EOLAB_DELTA_RATE_HZ: int(1, 30, 12),
  EOLAB_RUNS_PER_MINUTE: int(1, 1_000_000, 60),
  EOLAB_API_REQUESTS_PER_SECOND: int(1, 1_000_000, 200),
  EOLAB_SOCKET_COMMANDS_PER_SECOND: int(1, 1_000_000, 50),
  EOLAB_SOCKET_CONNECTIONS_PER_MINUTE: int(1, 1_000_000, 120),
  EOLAB_CONNECTIONS_PER_ADDRESS: int(1, 1_000_000, 256),
  EOLAB_WRONG_TOKENS_PER_MINUTE: int(1, 1_000_000, 30),
  EOLAB_MAX_REAL_RUN_SECONDS: int(1, 7 * 24 * 3600, 1800),
  EOLAB_RETAIN_RUNS: int(1, 10_000_000, 1_000),
  EOLAB_RETAIN_BYTES: int(1_024 * 1_024, Number.MAX_SAFE_INTEGER, 512 * 1_024 * 1_024),
  EOLAB_REDIS_URL: url(['redis:', 'rediss:'], 'redis://host:6379'),
  EOLAB_DATABASE_URL: url(['postgres:', 'postgresql:'], 'postgres://user:password@host:5432/db'),
  EOLAB_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{16,200}$/, { error: 'expected 16 to 200 printable ASCII characters, no spaces' })
    .optional(),
  EOLAB_ALLOWED_ORIGINS: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const origins = (raw ?? '')
        .split(',')
        .map((o) => o.trim())
        .filter((o) => o !== '');
      for (const origin of origins) {
        if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
          ctx.addIssue({
            code: 'custom',
            message: `expected origins like http://host:port, got '${origin}'`,
          });
          return z.NEVER;
        }
      }
      return origins;
    }),
});

/** A bad environment variable: the message names it and what was wrong. */
export class ConfigError extends Error {}

/** Addresses that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`bad environment: ${problems}`);
  }
  const e = parsed.data;
  const loopbackOnly = isLoopbackHost(e.HOST);
  // Beyond loopback anyone on the network could drive the server: a token is then mandatory.
  const token = e.EOLAB_TOKEN ?? (loopbackOnly ? null : randomBytes(18).toString('base64url'));
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: resolve(e.EOLAB_DATA_DIR),
    webDir: resolve(e.EOLAB_WEB_DIR ?? new URL('../../web/dist', import.meta.url).pathname),
    logLevel: e.LOG_LEVEL,
    socketDeflate: e.EOLAB_SOCKET_DEFLATE === 'on',
    limits: {
      maxEventsPerRun: e.EOLAB_MAX_EVENTS_PER_RUN,
      maxCheckpointsPerRun: e.EOLAB_MAX_CHECKPOINTS_PER_RUN,
      maxActiveRuns: e.EOLAB_MAX_ACTIVE_RUNS,
      maxInjectionsPerSecond: e.EOLAB_MAX_INJECTIONS_PER_SECOND,
      maxBodyBytes: e.EOLAB_MAX_BODY_BYTES,
      maxSocketPayloadBytes: 64 * 1024,
      deltaRateHz: e.EOLAB_DELTA_RATE_HZ,
      runsPerMinutePerAddress: e.EOLAB_RUNS_PER_MINUTE,
      apiRequestsPerSecondPerAddress: e.EOLAB_API_REQUESTS_PER_SECOND,
      socketCommandsPerSecond: e.EOLAB_SOCKET_COMMANDS_PER_SECOND,
      socketConnectionsPerMinutePerAddress: e.EOLAB_SOCKET_CONNECTIONS_PER_MINUTE,
      connectionsPerAddress: e.EOLAB_CONNECTIONS_PER_ADDRESS,
      wrongTokensPerMinutePerAddress: e.EOLAB_WRONG_TOKENS_PER_MINUTE,
      maxRealRunMs: e.EOLAB_MAX_REAL_RUN_SECONDS * 1000,
    },
    access: {
      token,
      tokenGenerated: e.EOLAB_TOKEN === undefined && token !== null,
      allowedOrigins: e.EOLAB_ALLOWED_ORIGINS,
      loopbackOnly,
    },
    retention: { maxRuns: e.EOLAB_RETAIN_RUNS, maxBytes: e.EOLAB_RETAIN_BYTES },
    cluster: { redisUrl: e.EOLAB_REDIS_URL, databaseUrl: e.EOLAB_DATABASE_URL },
  };
}
