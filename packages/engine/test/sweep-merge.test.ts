import { describe, expect, it } from 'vitest';
import { mergeSweeps, type Report, type Scenario, Simulation, sweep } from '../src';

/** A runner that breaks on some schedules, so the merged result has violations to keep in order. */
const flaky = (scenario: Scenario): Report => {
  if (scenario.seed % 7 === 0) throw new Error(`boom at ${scenario.seed}`);
  return new Simulation(scenario).runToEnd();
};

describe('mergeSweeps', () => {
  const whole = sweep(60, 300, undefined, flaky);

  it.each([[[60]], [[1, 59]], [[30, 30]], [[13, 20, 27]], [[7, 7, 7, 7, 7, 7, 7, 7, 4]]])(
    'schedules split as %j give the same rows, violations and runs as one sweep',
    (sizes) => {
      let start = 0;
      const parts = sizes.map((size) => {
        const part = sweep(size, 300 + start, undefined, flaky);
        start += size;
        return part;
      });
      expect(mergeSweeps(parts)).toEqual(whole);
    },
  );

  it('keeps violations in schedule order', () => {
    expect(whole.violations.length).toBeGreaterThan(0);
    const seeds = whole.violations.map((v) => v.seed);
    expect(seeds).toEqual([...seeds].sort((a, b) => a - b));
  });
});
