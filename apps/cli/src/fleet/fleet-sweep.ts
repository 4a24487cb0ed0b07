import { randomUUID } from 'node:crypto';
import { mergeSweeps, type SweepResult } from '@eolab/engine';
import { Queue, QueueEvents } from 'bullmq';
import type { SweepChunk } from '../parallel-sweep';
import { type ChunkJob, connectRedis, FLEET_QUEUE, FleetError, fleetChunks, jobIdOf } from './fleet-queue';

interface Output {
  write(text: string): unknown;
}

/** How often a waiting sweep says that no worker is taking its chunks. */
const NO_WORKER_NOTE_MS = 10_000;

/**
 * `eolab sweep --redis URL`: the sweep's schedules as chunks on the fleet's queue, taken by any
 * `eolab worker` on any machine, and merged in schedule order as they come back, so the table is
 * the one `eolab sweep` prints on one machine for the same seed. A chunk whose worker dies goes
 * back to the queue (BullMQ's stalled-job check) and another worker sweeps it: nothing is lost,
 * and nothing counts twice (a chunk's result is taken once, by its job id). Ctrl-C withdraws the
 * chunks still waiting.
 */
export async function fleetSweep(
  redisUrl: string,
  schedules: number,
  seed: number,
  onProgress: (done: number) => void,
  err: Output,
  cancel: AbortSignal = new AbortController().signal,
): Promise<SweepResult> {
  const connection = await connectRedis(redisUrl, (message) => err.write(`sweep: Redis: ${message}\n`));
  const queue = new Queue<ChunkJob>(FLEET_QUEUE, { connection });
  const events = new QueueEvents(FLEET_QUEUE, { connection: connection.duplicate() });
  try {
    // Listening before the first chunk is queued: no chunk can finish unseen.
    await events.waitUntilReady();
    return await collect(queue, events, schedules, seed, onProgress, err, cancel);
  } finally {
    await events.close();
    await queue.close();
    connection.disconnect();
  }
}

async function collect(
  queue: Queue<ChunkJob>,
  events: QueueEvents,
  schedules: number,
  seed: number,
  onProgress: (done: number) => void,
  err: Output,
  cancel: AbortSignal,
): Promise<SweepResult> {
  const sweepId = randomUUID().slice(0, 8);
  const chunks = fleetChunks(schedules, seed);
  const byJob = new Map<string, SweepChunk>(chunks.map((c) => [jobIdOf(sweepId, c), c]));
  const results = new Map<string, SweepResult>();
  let done = 0;
  return new Promise<SweepResult>((resolve, reject) => {
    const finish = (outcome: () => void) => {
      clearInterval(watch);
      cancel.removeEventListener('abort', onCancel);
      events.removeAllListeners();
      outcome();
    };
    events.on('completed', ({ jobId, returnvalue }) => {
      const chunk = byJob.get(jobId);
      if (chunk === undefined || results.has(jobId)) return;
      results.set(jobId, resultOf(returnvalue));
      done += chunk.count;
      onProgress(done);
      if (results.size < chunks.length) return;
      finish(() => resolve(mergeSweeps(chunks.map((c) => results.get(jobIdOf(sweepId, c))!))));
    });
    events.on('stalled', ({ jobId }) => {
      const chunk = byJob.get(jobId);
      if (chunk !== undefined)
        err.write(
          `sweep: the worker sweeping schedules ${chunk.start}..${chunk.start + chunk.count - 1} was lost; another worker takes them\n`,
        );
    });
    events.on('failed', ({ jobId, failedReason }) => {
      const chunk = byJob.get(jobId);
      if (chunk === undefined) return;
      const range = `${chunk.start}..${chunk.start + chunk.count - 1}`;
      finish(() => reject(new FleetError(`schedules ${range} could not be swept: ${failedReason}`)));
    });
    const onCancel = () => {
      const waiting = [...byJob.keys()].filter((id) => !results.has(id));
      void Promise.all(waiting.map((id) => queue.remove(id).catch(() => 0))).then(() =>
        finish(() => reject(new FleetError(`cancelled: ${waiting.length} chunks withdrawn from the queue`))),
      );
    };
    cancel.addEventListener('abort', onCancel, { once: true });
    const watch = setInterval(() => {
      void queue.getWorkersCount().then((n) => {
        if (n === 0)
          err.write(
            `sweep: no eolab worker is connected to the queue; ${chunks.length - results.size} chunks wait\n`,
          );
      });
    }, NO_WORKER_NOTE_MS);
    void queue
      .addBulk(
        chunks.map((chunk) => ({
          name: 'sweep-chunk',
          data: { ...chunk, sweepId },
          // Results travel in the completion event; the queue keeps no finished chunk.
          opts: { jobId: jobIdOf(sweepId, chunk), removeOnComplete: true, removeOnFail: 1_000 },
        })),
      )
      .then(
        () => queue.getWorkersCount(),
        (error: Error) => finish(() => reject(new FleetError(`cannot queue the chunks: ${error.message}`))),
      )
      .then((workers) => {
        if (typeof workers === 'number')
          err.write(`sweep: ${chunks.length} chunks queued for ${workers} connected eolab worker(s)\n`);
      });
  });
}

/** A chunk's result as the completion event carries it (BullMQ passes it as JSON text). */
function resultOf(value: unknown): SweepResult {
  return (typeof value === 'string' ? JSON.parse(value) : value) as SweepResult;
}
