import { describe, expect, it } from 'vitest';
import {
  drawScenario,
  mergeSweeps,
  parseScenario,
  presetScenario,
  type Report,
  type Scenario,
  Simulation,
  type SweepSpec,
  scheduleOf,
  sweep,
  sweepRange,
  WRITER_MODES,
} from '../src';
import { range } from './helpers';

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

describe('the sweep draws', () => {
  it('are valid scenarios, as parsing gives them, for the first 3,000 seeds in every mode', () => {
    for (let seed = 1; seed <= 3_000; seed++) {
      for (const mode of WRITER_MODES) {
        const drawn = drawScenario(seed, mode);
        const parsed = parseScenario(drawn);
        if (!parsed.ok) throw new Error(`seed ${seed} ${mode}: ${parsed.errors.join('; ')}`);
        expect(parsed.value).toEqual(drawn);
      }
    }
  });
});

describe('a sweep on a base scenario, in chunks', () => {
  const base = presetScenario('lease-expiry', 'EXACTLY_ONCE')!;
  const spec: SweepSpec = {
    schedules: 24,
    seed: 7,
    base,
    kinds: ['store-outage', 'job-pause'],
    maxFaults: 2,
  };
  const whole = sweepRange(spec, 0, 24, { keepSchedules: true });

  it('adds 0 to maxFaults faults of the chosen kinds to the base, which keeps its knobs and faults', () => {
    for (let i = 0; i < 24; i++) {
      const s = scheduleOf(spec, i, 'ATLEAST_ONCE');
      expect(s.faults.slice(0, 1)).toEqual(base.faults);
      expect(s.faults.length).toBeLessThanOrEqual(3);
      for (const f of s.faults.slice(1)) expect(['store-outage', 'job-pause']).toContain(f.kind);
      expect({ ...s, name: base.name, mode: base.mode, faults: base.faults }).toEqual(base);
      const parsed = parseScenario(s);
      expect(parsed.ok && parsed.value).toEqual(s);
    }
  });

  it('keeps every schedule, in order, with its run in each mode', () => {
    expect(whole.schedules!.map((s) => s.index)).toEqual(range(0, 23));
    expect(whole.schedules!.map((s) => s.seed)).toEqual(range(7, 30));
    for (const s of whole.schedules!) expect(s.runs).toHaveLength(WRITER_MODES.length);
    // With no fault added, the lease-expiry's crash loses data in EXACTLY_ONCE: the outcome says so.
    const plain = whole.schedules!.filter((s) => s.faults.length === 1);
    expect(plain.length).toBeGreaterThan(0);
    for (const s of plain) expect(s.runs[2]).toEqual({ verdict: 'LOSS', guarantee: null, violation: null });
  });

  it('merges chunks into the whole, schedules included', () => {
    const parts = [
      sweepRange(spec, 0, 5, { keepSchedules: true }),
      sweepRange(spec, 5, 19, { keepSchedules: true }),
    ];
    expect(mergeSweeps(parts)).toEqual(whole);
  });

  it('without a base, kinds or maxFaults, is the sweep eolab sweep runs', () => {
    expect(sweepRange({ schedules: 30, seed: 300 }, 10, 20)).toEqual(sweep(20, 310));
  });
});
