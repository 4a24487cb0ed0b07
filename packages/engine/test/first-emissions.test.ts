import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FirstEmissions } from '../src/kernel/first-emissions';
import { checkStream } from '../src/model/checker';

describe('first emissions: when each value was first emitted', () => {
  it('gives each value of a steady run its own time, across the throttle and a restore', () => {
    const first = new FirstEmissions();
    first.record(1, 5, 0, 5); // throttled: 1..5 at 0, 5, ..., 20
    first.record(6, 3, 25, 1); // unthrottled: 6..8 at 25, 26, 27
    first.record(4, 10, 100, 1); // restored at position 3: 4..8 again, then 9..13 first at 105..109
    expect([1, 5, 6, 8, 9, 13].map((v) => first.timeOf(v))).toEqual([0, 20, 25, 27, 105, 109]);
  });

  it('says -1 for a value not emitted', () => {
    const first = new FirstEmissions();
    expect(first.timeOf(1)).toBe(-1);
    first.record(1, 3, 10, 1);
    expect([0, 4, -2].map((v) => first.timeOf(v))).toEqual([-1, -1, -1]);
  });

  it('keeps single values at their own times, even out of step with each other', () => {
    const first = new FirstEmissions();
    for (const [value, at] of [
      [1, 0],
      [2, 7],
      [3, 9],
      [4, 11],
      [5, 30],
    ] as const)
      first.record(value, 1, at, 0);
    expect([1, 2, 3, 4, 5].map((v) => first.timeOf(v))).toEqual([0, 7, 9, 11, 30]);
  });

  it('keeps values recorded with gaps between them (a stream read elsewhere) at their times', () => {
    const first = new FirstEmissions();
    first.record(5, 1, 50, 0);
    first.record(9, 1, 20, 0);
    expect([first.timeOf(3), first.timeOf(5), first.timeOf(9)]).toEqual([-1, 50, 20]);
  });

  it('answers as a table of every value would, for any source with restores', () => {
    // A source emitting runs from its position, sometimes restored to an earlier one (at or below
    // the highest value emitted so far), with gaps in time between runs.
    const step = fc.record({
      restoreTo: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
      count: fc.integer({ min: 1, max: 40 }),
      pauseMs: fc.integer({ min: 0, max: 50 }),
      stepMs: fc.integer({ min: 0, max: 6 }),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const first = new FirstEmissions();
        const table = new Map<number, number>();
        let position = 0;
        let highest = 0;
        let t = 0;
        for (const { restoreTo, count, pauseMs, stepMs } of steps) {
          if (restoreTo !== undefined) position = Math.floor(restoreTo * highest);
          t += pauseMs;
          first.record(position + 1, count, t, stepMs);
          for (let k = 0; k < count; k++) {
            const value = position + 1 + k;
            if (!table.has(value)) table.set(value, t + k * stepMs);
          }
          position += count;
          highest = Math.max(highest, position);
          t += (count - 1) * stepMs + stepMs;
        }
        for (let value = 0; value <= highest + 1; value++)
          expect(first.timeOf(value), `value ${value}`).toBe(table.get(value) ?? -1);
      }),
      { numRuns: 300 },
    );
  });
});

describe('checkStream: latency when subtasks commit out of value order', () => {
  it("measures each value's latency from its own emission time", () => {
    // Subtask 1's transaction (2, 4) commits before subtask 0's (1, 3); emission times out of order.
    const emitted: Record<number, number> = { 1: 0, 2: 1, 3: 2, 4: 3 };
    const stream = [2, 4, 1, 3].map((value) => ({ value, atMs: 10, emittedAtMs: emitted[value]! }));
    const result = checkStream(stream, 4);
    expect(result.read).toBe(4);
    expect(result.latencyMs).toEqual({ p50: 8, p99: 10, max: 10 });
  });
});
