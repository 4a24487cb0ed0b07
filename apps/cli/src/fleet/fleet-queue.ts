import { Redis } from 'ioredis';
import { UsageError } from '../args';
import type { SweepChunk } from '../parallel-sweep';

/**
 * The queue a fleet of `eolab worker` processes takes sweep chunks from (BullMQ over Redis). One
 * queue serves every sweep: a chunk's job id names its sweep and its first schedule, so a sweep
 * waits for its own chunks only and a chunk is never enqueued twice.
 */
export const FLEET_QUEUE = 'eolab-sweep-chunks';

/** What a chunk's job carries: the chunk and the sweep it belongs to. */
export interface ChunkJob extends SweepChunk {
  sweepId: string;
}

/**
 * How long a worker holds a chunk without renewing its lock before the chunk counts as stalled
 * (the worker died or froze) and goes back to the queue for another worker. A chunk is swept on the
 * worker's event loop, which renews no lock meanwhile: chunks are kept far shorter than this
 * (FLEET_CHUNK_MAX, a fraction of a second to a second or two on a loaded machine).
 */
export const LOCK_MS = 10_000;
/** How often each worker looks for stalled chunks of dead workers. */
export const STALLED_CHECK_MS = 5_000;
/** How many times a chunk may be found stalled (its worker died) before it is failed. */
export const MAX_STALLS = 5;
/** Schedules per chunk at most: small enough to stay well inside LOCK_MS. */
export const FLEET_CHUNK_MAX = 100;

/** Consecutive chunks covering the sweep, about 64 of them, FLEET_CHUNK_MAX schedules at most. */
export function fleetChunks(schedules: number, seed: number): SweepChunk[] {
  const size = Math.min(FLEET_CHUNK_MAX, Math.max(1, Math.ceil(schedules / 64)));
  const chunks: SweepChunk[] = [];
  for (let start = 0; start < schedules; start += size) {
    chunks.push({ start, count: Math.min(size, schedules - start), seed });
  }
  return chunks;
}

export const jobIdOf = (sweepId: string, chunk: SweepChunk) => `${sweepId}-${chunk.start}`;

/** Redis's address from `--redis`: a redis:// or rediss:// URL, or bad input naming the flag. */
export function parseRedisUrl(value: string | undefined, flag = '--redis'): { url: string } {
  if (value === undefined || value === '')
    throw new UsageError(`${flag}: expected a URL such as redis://127.0.0.1:6379`);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new UsageError(`${flag}: '${value}' is not a URL (expected redis://host:port)`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw new UsageError(`${flag}: expected a redis:// or rediss:// URL, got '${parsed.protocol}'`);
  return { url: value };
}

/**
 * A connection to the fleet's Redis, connected, or a FleetError saying why not. BullMQ blocks on
 * Redis, so a command never gives up retrying once connected (a Redis restart is waited out); its
 * errors meanwhile are reported through `onError`, not thrown unhandled.
 */
export async function connectRedis(url: string, onError: (message: string) => void): Promise<Redis> {
  let lastError = '';
  const connection = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true });
  connection.on('error', (error: Error) => {
    if (error.message === lastError) return;
    lastError = error.message;
    if (connection.status === 'ready' || connection.status === 'reconnecting') onError(error.message);
  });
  try {
    await connection.connect();
  } catch (error) {
    connection.disconnect();
    throw new FleetError(`cannot reach Redis at ${url} (--redis): ${lastError || (error as Error).message}`);
  }
  return connection;
}

/** Why a fleet sweep or worker could not go on (Redis unreachable, a chunk that kept failing, a cancel). */
export class FleetError extends Error {}
