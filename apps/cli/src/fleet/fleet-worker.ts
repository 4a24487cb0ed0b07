import { hostname } from 'node:os';
import { sweep } from '@eolab/engine';
import { Worker } from 'bullmq';
import {
  type ChunkJob,
  connectRedis,
  FLEET_QUEUE,
  LOCK_MS,
  MAX_STALLS,
  STALLED_CHECK_MS,
} from './fleet-queue';

interface Output {
  write(text: string): unknown;
}

/**
 * `eolab worker --redis URL`: takes sweep chunks from the fleet's queue, one at a time (a chunk
 * keeps one core busy; start one worker per core), and returns each chunk's result, exactly what
 * a single-machine sweep of that range gives. Runs until SIGINT or SIGTERM, then finishes the
 * chunk in hand and leaves.
 */
export async function runFleetWorker(redisUrl: string, out: Output, err: Output): Promise<number> {
  const connection = await connectRedis(redisUrl, (message) =>
    err.write(`eolab worker: Redis: ${message}\n`),
  );
  const name = `${hostname()}:${process.pid}`;
  let chunks = 0;
  const worker = new Worker<ChunkJob>(
    FLEET_QUEUE,
    async (job) => {
      const { start, count, seed } = job.data;
      return sweep(count, seed + start);
    },
    {
      connection,
      concurrency: 1,
      lockDuration: LOCK_MS,
      stalledInterval: STALLED_CHECK_MS,
      maxStalledCount: MAX_STALLS,
      name,
    },
  );
  worker.on('completed', () => {
    chunks++;
  });
  worker.on('error', (error) => err.write(`eolab worker: ${error.message}\n`));
  await worker.waitUntilReady();
  out.write(`eolab worker ${name}: taking sweep chunks from ${redisUrl}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await worker.close();
  connection.disconnect();
  out.write(`eolab worker ${name}: stopped after ${chunks} chunks\n`);
  return 0;
}
