import { mergeSweeps, type SweepResult, type SweepSpec } from '@eolab/engine';

/**
 * Schedules `start` to `start + count - 1` of a sweep from `seed`, drawn as `draw` says (a base
 * scenario, fault kinds, at most so many faults; absent: `eolab sweep`'s random knobs).
 */
export interface SweepChunk {
  start: number;
  count: number;
  seed: number;
  draw?: Omit<SweepSpec, 'schedules' | 'seed'>;
}

/** Runs one chunk somewhere (a worker thread, or in-process in tests). */
export type RunChunk = (chunk: SweepChunk) => Promise<SweepResult>;

/**
 * Consecutive chunks covering all schedules. Several per worker, because schedules differ a lot in
 * cost (50 to 3,000 events): small chunks keep both workers busy to the end and move the progress
 * bar; at most 250 schedules each (a fraction of a second), which is large enough that passing
 * results between threads costs nothing measurable.
 */
export function chunksOf(
  schedules: number,
  seed: number,
  workers: number,
  draw?: SweepChunk['draw'],
): SweepChunk[] {
  const size = Math.min(250, Math.max(1, Math.ceil(schedules / (workers * 8))));
  const chunks: SweepChunk[] = [];
  for (let start = 0; start < schedules; start += size) {
    chunks.push({ start, count: Math.min(size, schedules - start), seed, ...(draw ? { draw } : {}) });
  }
  return chunks;
}

/**
 * A sweep split into chunks run concurrently by `runChunk`. Results are merged in schedule order,
 * whatever order the chunks finish in, so the outcome is the same as one `sweep(schedules, seed)`.
 */
export async function parallelSweep(
  schedules: number,
  seed: number,
  workers: number,
  runChunk: RunChunk,
  onProgress?: (done: number) => void,
  draw?: SweepChunk['draw'],
): Promise<SweepResult> {
  let done = 0;
  const results = await Promise.all(
    chunksOf(schedules, seed, workers, draw).map(async (chunk) => {
      const result = await runChunk(chunk);
      done += chunk.count;
      onProgress?.(done);
      return result;
    }),
  );
  return mergeSweeps(results);
}
