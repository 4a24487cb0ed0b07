import { randomUUID } from 'node:crypto';
import { mergeSweeps, type SweepResult, type SweepSpec } from '@eolab/engine';
import { Queue, QueueEvents } from 'bullmq';
import {
  type ChunkJob,
  connectRedis,
  FLEET_QUEUE,
  type FleetChunk,
  FleetError,
  FleetSweepCancelled,
  fleetChunks,
  jobIdOf,
} from './queue';

/** How often a sweep counts the workers connected to the queue (none: it waits, and says so). */
export const WORKERS_POLL_MS = 2_000;
/** How long a cancel waits for Redis to withdraw the waiting chunks (Redis may be away). */
const WITHDRAW_MS = 2_000;

export interface FleetSweepOptions {
  /** Keep each schedule's outcome in the result (the dashboard lists them). */
  keepSchedules?: boolean;
  /** Schedules done so far, as chunks come back. */
  onProgress?: (done: number) => void;
  /**
   * Workers connected to the queue and chunks not yet back: once the chunks are queued, then
   * every WORKERS_POLL_MS. With no worker the sweep waits; this is how its caller can tell.
   */
  onWorkers?: (workers: number, chunksLeft: number) => void;
  /** Worth telling the person waiting: a worker lost mid-chunk, Redis trouble. */
  onNote?: (message: string) => void;
  /** Withdraws the chunks still waiting and rejects with FleetSweepCancelled. */
  cancel?: AbortSignal;
  /**
   * The sweep's name in its chunks' job ids (a random one when absent): a caller that names it can
   * withdraw the chunks from another process (`withdrawFleetSweep`) when this one died.
   */
  id?: string;
}

/**
 * A sweep on the fleet: its schedules as chunks on the queue, taken by any worker on any machine,
 * merged in schedule order as they come back, so the result is the one a single-machine sweep of
 * `spec` gives. A chunk whose worker dies goes back to the queue (BullMQ's stalled-job check) and
 * another worker sweeps it: nothing is lost, and nothing counts twice (a chunk's result is taken
 * once, by its job id). Rejects with a FleetError: Redis out of reach, a chunk that kept failing,
 * a cancel.
 */
export async function fleetSweep(
  redisUrl: string,
  spec: SweepSpec,
  options: FleetSweepOptions = {},
): Promise<SweepResult> {
  const note = options.onNote ?? (() => {});
  const connection = await connectRedis(redisUrl, (message) => note(`Redis: ${message}`));
  const queue = new Queue<ChunkJob>(FLEET_QUEUE, { connection });
  // The listener reads the events stream from its newest entry now, before any chunk is queued.
  // BullMQ's default ('$') is taken when its first XREAD reaches Redis, which can come after a
  // fast worker finished a chunk: that completion went unseen, the chunk (removed on completion)
  // was gone, and the sweep waited for it forever (a loaded CI machine met it).
  const [newest] = await connection.xrevrange(queue.keys.events!, '+', '-', 'COUNT', 1);
  const events = new QueueEvents(FLEET_QUEUE, {
    connection: connection.duplicate(),
    lastEventId: newest?.[0] ?? '0-0',
  });
  try {
    await events.waitUntilReady();
    return await collect(queue, events, spec, options, note);
  } finally {
    await events.close();
    await queue.close();
    connection.disconnect();
  }
}

function collect(
  queue: Queue<ChunkJob>,
  events: QueueEvents,
  spec: SweepSpec,
  options: FleetSweepOptions,
  note: (message: string) => void,
): Promise<SweepResult> {
  const sweepId = options.id ?? randomUUID().slice(0, 8);
  const chunks = fleetChunks(spec.schedules);
  const byJob = new Map<string, FleetChunk>(chunks.map((c) => [jobIdOf(sweepId, c), c]));
  const results = new Map<string, SweepResult>();
  const range = (c: FleetChunk) => `${c.start}..${c.start + c.count - 1}`;
  let done = 0;
  let lastCount: number | null = null;
  return new Promise<SweepResult>((resolve, reject) => {
    let finished = false;
    // Declared before `finish` uses it: a cancel that came before the chunks were queued finishes
    // the sweep before the poll starts.
    let poll: ReturnType<typeof setInterval> | undefined;
    const finish = (outcome: () => void) => {
      if (finished) return;
      finished = true;
      clearInterval(poll);
      options.cancel?.removeEventListener('abort', onCancel);
      events.removeAllListeners();
      outcome();
    };
    events.on('completed', ({ jobId, returnvalue }) => {
      const chunk = byJob.get(jobId);
      if (chunk === undefined || results.has(jobId)) return;
      results.set(jobId, resultOf(returnvalue));
      done += chunk.count;
      options.onProgress?.(done);
      // A worker came since the last count said none: say so now, not at the next count.
      if (lastCount === 0) void countWorkers();
      if (results.size < chunks.length) return;
      finish(() => resolve(mergeSweeps(chunks.map((c) => results.get(jobIdOf(sweepId, c))!))));
    });
    events.on('stalled', ({ jobId }) => {
      const chunk = byJob.get(jobId);
      if (chunk !== undefined)
        note(`the worker sweeping schedules ${range(chunk)} was lost; another worker takes them`);
    });
    events.on('failed', ({ jobId, failedReason }) => {
      const chunk = byJob.get(jobId);
      if (chunk === undefined) return;
      finish(() => reject(new FleetError(`schedules ${range(chunk)} could not be swept: ${failedReason}`)));
    });
    const onCancel = () => {
      const waiting = [...byJob.keys()].filter((id) => !results.has(id));
      const withdrawn = Promise.all(waiting.map((id) => queue.remove(id).catch(() => 0)));
      const timeout = new Promise((resolve) => setTimeout(resolve, WITHDRAW_MS).unref());
      void Promise.race([withdrawn, timeout]).then(() =>
        finish(() =>
          reject(new FleetSweepCancelled(`cancelled: ${waiting.length} chunks withdrawn from the queue`)),
        ),
      );
    };
    if (options.cancel?.aborted)
      return finish(() => reject(new FleetSweepCancelled('cancelled before its chunks were queued')));
    options.cancel?.addEventListener('abort', onCancel, { once: true });
    const countWorkers = () =>
      queue.getWorkersCount().then(
        (workers) => {
          lastCount = workers;
          if (!finished) options.onWorkers?.(workers, chunks.length - results.size);
        },
        () => {},
      );
    poll = setInterval(() => void countWorkers(), WORKERS_POLL_MS);
    void queue
      .addBulk(
        chunks.map((chunk) => ({
          name: 'sweep-chunk',
          data: { sweepId, ...chunk, spec, keepSchedules: options.keepSchedules ?? false },
          // Results travel in the completion event; the queue keeps no finished chunk.
          opts: { jobId: jobIdOf(sweepId, chunk), removeOnComplete: true, removeOnFail: 1_000 },
        })),
      )
      .then(countWorkers, (error: Error) =>
        finish(() => reject(new FleetError(`cannot queue the chunks: ${error.message}`))),
      );
  });
}

/** A chunk's result as the completion event carries it (BullMQ passes it as JSON text). */
function resultOf(value: unknown): SweepResult {
  return (typeof value === 'string' ? JSON.parse(value) : value) as SweepResult;
}

/**
 * Withdraws the chunks still waiting of sweep `id` (of `schedules` schedules), queued by a process
 * that is gone: no worker sweeps them for nobody. Chunks a worker holds finish and are dropped.
 * (BullMQ answers 1 for a job that is not there too: there is no count to tell.)
 */
export async function withdrawFleetSweep(redisUrl: string, id: string, schedules: number): Promise<void> {
  const connection = await connectRedis(redisUrl, () => {});
  const queue = new Queue<ChunkJob>(FLEET_QUEUE, { connection });
  try {
    await Promise.all(fleetChunks(schedules).map((c) => queue.remove(jobIdOf(id, c))));
  } finally {
    await queue.close();
    connection.disconnect();
  }
}
