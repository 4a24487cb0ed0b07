import { type SweepResult, sweep } from '@eolab/engine';
import { describe, expect, it } from 'vitest';
import { chunksOf, parallelSweep, type SweepChunk } from '../src/parallel-sweep';

describe('chunksOf', () => {
  it.each([
    [1, 2],
    [40, 2],
    [1001, 3],
    [10_000, 2],
  ])('%i schedules on %i workers: consecutive chunks covering every schedule once', (schedules, workers) => {
    const chunks = chunksOf(schedules, 5, workers);
    let next = 0;
    for (const c of chunks) {
      expect(c.start).toBe(next);
      expect(c.count).toBeGreaterThan(0);
      next += c.count;
    }
    expect(next).toBe(schedules);
    expect(chunks.length).toBeGreaterThanOrEqual(Math.min(schedules, workers));
  });
});

describe('parallelSweep', () => {
  it('gives what one sweep gives, even when chunks finish out of order', async () => {
    // Later chunks finish first: the merge must follow schedule order, not completion order.
    const runChunk = async ({ start, count, seed }: SweepChunk): Promise<SweepResult> => {
      await new Promise<void>((resolve) => queueMicrotask(resolve));
      for (let i = 0; i < 50 - start; i++) await Promise.resolve();
      return sweep(count, seed + start);
    };
    const progress: number[] = [];
    const result = await parallelSweep(48, 900, 3, runChunk, (done) => progress.push(done));
    expect(result).toEqual(sweep(48, 900));
    expect(progress.at(-1)).toBe(48);
  });
});
