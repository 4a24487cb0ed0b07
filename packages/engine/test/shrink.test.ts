import { describe, expect, it } from 'vitest';
import {
  defaultsFor,
  type Fault,
  hasOutcome,
  minimalInput,
  NothingToShrinkError,
  outcomeOf,
  PRESETS,
  Prng,
  parseScenario,
  presetScenario,
  randomFault,
  randomScenario,
  type Scenario,
  Simulation,
  shrink,
  WRITER_MODES,
} from '../src';

const runOf = (s: Scenario) => new Simulation(s).runToEnd();

/**
 * The lease-expiry preset in EXACTLY_ONCE with two more random faults that keep its loss and lose
 * nothing without its crash: its crash is the one essential fault.
 */
function leaseExpiryWithNoise(seed: number): Scenario | null {
  const base = presetScenario('lease-expiry', 'EXACTLY_ONCE')!;
  const prng = new Prng(seed);
  const noise: Fault[] = [0, 1].map(() => randomFault(prng, 3_000, base.numEvents, base.sink.parallelism));
  const parsed = parseScenario({ ...base, faults: [noise[0]!, ...base.faults, noise[1]!] });
  if (!parsed.ok || runOf(parsed.value).counts.lost === 0) return null;
  const noiseAlone = parseScenario({ ...base, faults: noise });
  return noiseAlone.ok && runOf(noiseAlone.value).counts.lost === 0 ? parsed.value : null;
}

describe('shrink', () => {
  const noisy = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    .map(leaseExpiryWithNoise)
    .filter((s): s is Scenario => s !== null)
    .slice(0, 4);

  it('finds several lease-expiry schedules with two extra faults that still lose data', () => {
    expect(noisy.length).toBe(4);
    for (const s of noisy) expect(s.faults).toHaveLength(3);
  });

  it.each(noisy.map((s, i) => [i, s] as const))(
    'lease-expiry with two extra faults (#%i) shrinks to its one crash and a restart slower than the lease',
    (_, scenario) => {
      const result = shrink(scenario);
      expect(result.target).toBe('loss');
      expect(result.scenario.faults.map((f) => f.kind)).toEqual(['crash-before-notify']);
      // Every other restart knob back at its default: the delay is what matters.
      expect(result.scenario.restart).toEqual({ ...defaultsFor(result.scenario).restart, delayMs: 15_000 });
      expect(result.scenario.sink.txnLeaseMs).toBe(10_000);
      expect(result.scenario.numEvents).toBeLessThan(scenario.numEvents);
      expect(result.report.counts.lost).toBeGreaterThan(0);
    },
  );

  it('records steps whose scenarios all keep the outcome, ending at the result', () => {
    const steps: string[] = [];
    const result = shrink(noisy[0]!, { onStep: (s) => steps.push(s.what) });
    expect(steps.length).toBeGreaterThan(1);
    expect(steps[0]).toMatch(/^removed 2 of 3 faults; kept crash-before-notify/);
    expect(result.steps.map((s) => s.what)).toEqual(steps);
    for (const step of result.steps) expect(runOf(step.scenario).counts.lost).toBeGreaterThan(0);
    expect(result.steps.at(-1)!.scenario).toEqual(result.scenario);
  });

  it('keeps the duplicates of the seed in ATLEAST_ONCE: the mapper exception stays, as early as it can', () => {
    const seed = presetScenario('seed', 'ATLEAST_ONCE')!;
    const result = shrink(seed);
    expect(result.target).toBe('duplicates');
    expect(result.scenario.faults).toHaveLength(1);
    expect(result.scenario.faults[0]!.kind).toBe('mapper-exception');
    expect(result.report.counts.duplicates).toBeGreaterThan(0);
    expect(result.scenario.numEvents).toBeLessThan(50);
  });

  it('refuses a run that kept every promise and lost nothing, and a kind the run does not have', () => {
    expect(() => shrink(presetScenario('seed', 'EXACTLY_ONCE')!)).toThrow(NothingToShrinkError);
    expect(() => shrink(presetScenario('seed', 'ATLEAST_ONCE')!, { target: 'loss' })).toThrow(/no loss/);
  });

  it('stops trying candidates at maxRuns', () => {
    const result = shrink(noisy[0]!, { maxRuns: 3 });
    expect(result.runs).toBeLessThanOrEqual(3);
    expect(hasOutcome('loss', result.scenario, runOf(result.scenario))).toBe(true);
  });

  it('names the most telling outcome of a run', () => {
    const lease = presetScenario('lease-expiry', 'EXACTLY_ONCE')!;
    expect(outcomeOf(lease, runOf(lease))).toBe('loss');
    const clean = presetScenario('notify-lost', 'EXACTLY_ONCE')!;
    expect(outcomeOf(clean, runOf(clean))).toBeNull();
  });
});

describe('minimalInput', () => {
  const scenarios = [
    ...PRESETS.flatMap((p) => WRITER_MODES.map((m) => presetScenario(p.id, m)!)),
    ...[11, 12, 13, 14, 15].map((seed) => randomScenario(seed, 'EXACTLY_ONCE')),
  ];

  it.each(scenarios.map((s) => [s.name, s.mode, s] as const))('%s %s parses back to itself', (_, __, s) => {
    const parsed = parseScenario(JSON.parse(JSON.stringify(minimalInput(s))));
    expect(parsed.ok && parsed.value).toEqual(s);
  });

  it('leaves every default out', () => {
    const lease = presetScenario('lease-expiry', 'EXACTLY_ONCE')!;
    expect(minimalInput(lease)).toEqual({
      version: 1,
      name: 'lease-expiry',
      seed: 3,
      mode: 'EXACTLY_ONCE',
      numEvents: 1_000,
      source: { throttleUntilPosition: 20 },
      sink: { txnLeaseMs: 10_000 },
      restart: { delayMs: 15_000 },
      faults: [{ kind: 'crash-before-notify', checkpoint: 3 }],
    });
  });
});
