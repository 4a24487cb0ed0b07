import type { SweepSpec } from '@eolab/engine';
import { Redis } from 'ioredis';

/**
 * The queue a fleet of workers takes sweep chunks from (BullMQ over Redis). One queue serves every
 * sweep, from `eolab sweep --redis` and from any server's Sweeps page: a chunk's job id names its
 * sweep and its first schedule, so a sweep waits for its own chunks only and a chunk is never
 * queued twice. The name carries the chunk's format: a worker of another version takes none.
 */
export const FLEET_QUEUE = 'eolab-sweep-chunks-v2';

/** What a chunk's job carries: schedules `start` to `start + count - 1` of the sweep `spec`. */
export interface ChunkJob {
  sweepId: string;
  start: number;
  count: number;
  /** The whole sweep's draw (seed, base scenario, kinds, at most so many faults). */
  spec: SweepSpec;
  /** Keep each schedule's outcome (the dashboard lists them; the CLI prints the table only). */
  keepSchedules: boolean;
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

export interface FleetChunk {
  start: number;
  count: number;
}

/** Consecutive chunks covering the sweep, about 64 of them, FLEET_CHUNK_MAX schedules at most. */
export function fleetChunks(schedules: number): FleetChunk[] {
  const size = Math.min(FLEET_CHUNK_MAX, Math.max(1, Math.ceil(schedules / 64)));
  const chunks: FleetChunk[] = [];
  for (let start = 0; start < schedules; start += size)
    chunks.push({ start, count: Math.min(size, schedules - start) });
  return chunks;
}

export const jobIdOf = (sweepId: string, chunk: FleetChunk) => `${sweepId}-${chunk.start}`;

/**
 * A connection to the fleet's Redis, connected, or a FleetError saying why not. BullMQ blocks on
 * Redis, so a connection never gives up retrying once connected (a Redis restart is waited out);
 * its errors meanwhile are reported through `onError`, not thrown unhandled.
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
    throw new FleetError(`cannot reach Redis at ${url}: ${lastError || (error as Error).message}`);
  }
  return connection;
}

/** Why a fleet sweep or worker could not go on (Redis unreachable, a chunk that kept failing, a cancel). */
export class FleetError extends Error {}

/** A fleet sweep withdrawn by its caller (Ctrl-C, the dashboard's Cancel). */
export class FleetSweepCancelled extends FleetError {}
