import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { mergeSweeps, type SweepResult, type SweepSpec } from '@eolab/engine';

/**
 * A sweep run on worker threads, off the server's event loop: the schedules are cut into
 * consecutive chunks (several per worker, so both stay busy to the end and progress moves), each
 * worker sweeps one chunk at a time with the engine's `sweepRange`, and the results are merged in
 * schedule order: the same result as one `sweepRange` over all of them, as `eolab sweep` gives.
 * Cancelling terminates the workers at once.
 */

/**
 * The worker's code, evaluated (as the store's worker is): it loads the compiled engine, whose
 * address the server resolves (the engine's `dist/`, what Node runs without a TypeScript loader).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.engineUrl).then(
  (engine) => {
    parentPort.on('message', ({ spec, start, count }) => {
      try {
        parentPort.postMessage({ ok: true, result: engine.sweepRange(spec, start, count, { keepSchedules: true }) });
      } catch (error) {
        parentPort.postMessage({ ok: false, error: String((error && error.message) || error) });
      }
    });
    parentPort.postMessage({ ready: true });
  },
  (error) => parentPort.postMessage({ ok: false, error: 'cannot load the engine: ' + error.message }),
);
`;

/**
 * The compiled engine: under the `development` condition (vitest, `npm run dev`) the package
 * resolves to its TypeScript sources, which a worker cannot load; its build sits beside them.
 */
const engineUrl = () => {
  const resolved = createRequire(import.meta.url).resolve('@eolab/engine');
  return pathToFileURL(resolved.replace(/[\\/]src[\\/]index\.ts$/, '/dist/index.js')).href;
};

export interface SweepJob<T = SweepResult> {
  result: Promise<T>;
  cancel(): void;
}

interface Chunk {
  start: number;
  count: number;
}

type WorkerReply = { ready: true } | { ok: true; result: SweepResult } | { ok: false; error: string };

/** Consecutive chunks, eight per worker, at most 250 schedules each (as `eolab sweep` cuts them). */
function chunksOf(schedules: number, workers: number): Chunk[] {
  const size = Math.min(250, Math.max(1, Math.ceil(schedules / (workers * 8))));
  const chunks: Chunk[] = [];
  for (let start = 0; start < schedules; start += size)
    chunks.push({ start, count: Math.min(size, schedules - start) });
  return chunks;
}

export function runSweep(spec: SweepSpec, workers: number, onProgress: (done: number) => void): SweepJob {
  const chunks = chunksOf(spec.schedules, workers);
  const results: SweepResult[] = new Array(chunks.length);
  const threads: Worker[] = [];
  let next = 0;
  let done = 0;
  let settled = false;
  let resolveJob: (r: SweepResult) => void = () => {};
  let rejectJob: (e: Error) => void = () => {};
  const result = new Promise<SweepResult>((resolve, reject) => {
    resolveJob = resolve;
    rejectJob = reject;
  });
  const stop = () => {
    settled = true;
    for (const t of threads) void t.terminate();
  };
  const fail = (error: Error) => {
    if (settled) return;
    stop();
    rejectJob(error);
  };
  const startWorker = () => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { engineUrl: engineUrl() } });
    threads.push(worker);
    let current = -1;
    const feed = () => {
      if (next >= chunks.length) return void worker.terminate();
      current = next++;
      worker.postMessage({ spec, ...chunks[current] });
    };
    worker.on('message', (reply: WorkerReply) => {
      if (settled) return;
      if ('ready' in reply) return feed();
      if (!reply.ok) return fail(new Error(reply.error));
      results[current] = reply.result;
      done += chunks[current]!.count;
      onProgress(done);
      if (done === spec.schedules) {
        settled = true;
        resolveJob(mergeSweeps(results));
        for (const t of threads) void t.terminate();
        return;
      }
      feed();
    });
    worker.on('error', (error) => fail(error));
  };
  for (let i = 0; i < Math.min(workers, chunks.length); i++) startWorker();
  return {
    result,
    cancel: () => {
      if (settled) return;
      stop();
      rejectJob(new SweepCancelled());
    },
  };
}

export class SweepCancelled extends Error {
  constructor() {
    super('the sweep was cancelled');
  }
}
