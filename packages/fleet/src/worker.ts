import { type SweepResult, sweepRange } from '@eolab/engine';
import { Worker } from 'bullmq';
import { type ChunkJob, connectRedis, FLEET_QUEUE, LOCK_MS, MAX_STALLS, STALLED_CHECK_MS } from './queue';

/** One chunk, swept exactly as a single-machine sweep sweeps that range (`eolab sweep`'s threads too). */
export function sweepChunk({ start, count, spec, keepSchedules }: ChunkJob): SweepResult {
  return sweepRange({ ...spec, schedules: start + count }, start, count, { keepSchedules });
}

export interface FleetWorker {
  /** Chunks swept so far. */
  chunks(): number;
  /** Finishes the chunk in hand, then leaves the queue. */
  close(): Promise<void>;
}

/**
 * A worker of the fleet: takes chunks from the queue one at a time (a chunk keeps one core busy;
 * start one worker per core) and returns each chunk's result. `name` shows in Redis's client list.
 */
export async function startFleetWorker(
  redisUrl: string,
  name: string,
  onError: (message: string) => void,
): Promise<FleetWorker> {
  const connection = await connectRedis(redisUrl, (message) => onError(`Redis: ${message}`));
  let chunks = 0;
  const worker = new Worker<ChunkJob, SweepResult>(FLEET_QUEUE, async (job) => sweepChunk(job.data), {
    connection,
    concurrency: 1,
    lockDuration: LOCK_MS,
    stalledInterval: STALLED_CHECK_MS,
    maxStalledCount: MAX_STALLS,
    name,
  });
  worker.on('completed', () => {
    chunks++;
  });
  worker.on('error', (error) => onError(error.message));
  await worker.waitUntilReady();
  return {
    chunks: () => chunks,
    close: async () => {
      await worker.close();
      connection.disconnect();
    },
  };
}
