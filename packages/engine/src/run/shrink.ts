import { msText } from '../explain/time-text';
import { defaultsFor, knobsOf, knobValue, withKnob } from '../scenario/knobs';
import { parseScenario } from '../scenario/parse';
import type { Fault, Scenario } from '../scenario/schema';
import type { Report } from './report';
import { Simulation } from './simulation';
import { type Simulate, SWEEP_METRICS, violationOf } from './sweep';

/**
 * Shrinking: from a schedule whose outcome is interesting (a broken guarantee, a loss, a
 * duplicate), a smallest schedule with the same kind of outcome. Delta debugging (Zeller's ddmin)
 * over the fault list first, then each fault moved as early and made as short as it can be, then
 * fewer events, then every knob set back to its default where it can be; rounds repeat until
 * nothing changes.
 * Each candidate is validated like a scenario file and run to its end; a candidate is kept when
 * its outcome is still of the same kind. What it finds is a local minimum: no single step above
 * makes it smaller, which is what a person needs to see which faults and knobs matter.
 */

/** The outcome kinds worth shrinking, most telling first. */
export const SHRINK_TARGETS = ['violation', 'loss', 'duplicates'] as const;
export type ShrinkTarget = (typeof SHRINK_TARGETS)[number];

/** Whether a run has the outcome kind: a broken guarantee, lost values, duplicated values. */
export function hasOutcome(target: ShrinkTarget, scenario: Scenario, report: Report): boolean {
  switch (target) {
    case 'violation':
      return violationOf(scenario, report) !== null;
    case 'loss':
      return report.counts.lost > 0;
    case 'duplicates':
      return report.counts.duplicates > 0;
  }
}

/** The most telling outcome kind a run has, or null when it kept every promise and lost nothing. */
export function outcomeOf(scenario: Scenario, report: Report): ShrinkTarget | null {
  return SHRINK_TARGETS.find((t) => hasOutcome(t, scenario, report)) ?? null;
}

export interface ShrinkStep {
  /** What the step changed, in words: "removed 3 of 5 faults", "restart.delayMs 15000 -> 10001". */
  what: string;
  /** Runs tried for this step, kept or not. */
  runs: number;
  scenario: Scenario;
}

export interface ShrinkResult {
  target: ShrinkTarget;
  original: Scenario;
  scenario: Scenario;
  report: Report;
  steps: ShrinkStep[];
  /** Every candidate run, kept or not. */
  runs: number;
}

export interface ShrinkOptions {
  /** The outcome kind to keep; by default the most telling one the scenario has. */
  target?: ShrinkTarget;
  onStep?: (step: ShrinkStep) => void;
  /** Stops trying new candidates after this many runs (default 5,000). */
  maxRuns?: number;
  simulate?: Simulate;
}

export class NothingToShrinkError extends Error {}

const simulateQuietly: Simulate = (scenario) => new Simulation(scenario, SWEEP_METRICS).runToEnd();

/** Shrinks `scenario` as far as it goes; throws NothingToShrinkError when it has no such outcome. */
export function shrink(scenario: Scenario, options: ShrinkOptions = {}): ShrinkResult {
  const simulate = options.simulate ?? simulateQuietly;
  const report = simulate(scenario);
  const target = options.target ?? outcomeOf(scenario, report);
  if (target === null || !hasOutcome(target, scenario, report)) {
    const wanted = options.target === undefined ? 'no broken guarantee, loss or duplicate' : `no ${target}`;
    throw new NothingToShrinkError(`nothing to shrink: ${scenario.name} (${scenario.mode}) has ${wanted}`);
  }
  const search = new Search(scenario, report, target, simulate, options);
  for (let round = 0; round < 8; round++) {
    const before = search.steps.length;
    search.dropFaults();
    search.tightenFaults();
    search.fewerEvents();
    search.simplerKnobs();
    if (search.steps.length === before) break;
  }
  return {
    target,
    original: scenario,
    scenario: search.current,
    report: search.report,
    steps: search.steps,
    runs: search.runs,
  };
}

/** The search's state: the smallest scenario found so far, and the steps that led there. */
class Search {
  runs = 0;
  readonly steps: ShrinkStep[] = [];
  private runsAtLastStep = 0;
  private readonly maxRuns: number;

  constructor(
    public current: Scenario,
    public report: Report,
    private readonly target: ShrinkTarget,
    private readonly simulate: Simulate,
    private readonly options: ShrinkOptions,
  ) {
    this.maxRuns = options.maxRuns ?? 5_000;
  }

  /** Runs a candidate; keeps it (without recording a step) when it has the outcome. */
  private attempt(candidate: Scenario): boolean {
    if (this.runs >= this.maxRuns) return false;
    const parsed = parseScenario(candidate);
    if (!parsed.ok) return false; // not a scenario a file could hold: not a schedule to keep
    this.runs++;
    let report: Report;
    try {
      report = this.simulate(parsed.value);
    } catch {
      return false;
    }
    if (!hasOutcome(this.target, parsed.value, report)) return false;
    this.current = parsed.value;
    this.report = report;
    return true;
  }

  private record(what: string): void {
    const step = { what, runs: this.runs - this.runsAtLastStep, scenario: this.current };
    this.runsAtLastStep = this.runs;
    this.steps.push(step);
    this.options.onStep?.(step);
  }

  /** ddmin over the fault list: drop chunks, then keep only chunks, finer until single faults. */
  dropFaults(): void {
    const before = this.current.faults;
    if (before.length === 0) return;
    if (!this.attempt({ ...this.current, faults: [] })) this.ddmin();
    const after = this.current.faults;
    if (after.length < before.length) {
      const kept = after.map(describeFault).join(', ') || 'none';
      this.record(`removed ${before.length - after.length} of ${before.length} faults; kept ${kept}`);
    }
  }

  private ddmin(): void {
    let granularity = 2;
    while (this.current.faults.length >= 2) {
      const faults = this.current.faults;
      const chunks = split(faults, granularity);
      const subset = chunks.find((chunk) => this.attempt({ ...this.current, faults: chunk }));
      if (subset !== undefined) {
        granularity = 2;
        continue;
      }
      const complement = chunks.find((chunk) =>
        this.attempt({ ...this.current, faults: faults.filter((f) => !chunk.includes(f)) }),
      );
      if (complement !== undefined) {
        granularity = Math.max(granularity - 1, 2);
        continue;
      }
      if (granularity >= faults.length) return;
      granularity = Math.min(faults.length, granularity * 2);
    }
  }

  /** Each fault as early as it can be (checkpoint, element, time) and as short. */
  tightenFaults(): void {
    for (let i = 0; i < this.current.faults.length; i++) {
      for (const [field, lowest] of FAULT_FIELDS) {
        const value = (this.current.faults[i] as Record<string, unknown>)[field];
        if (typeof value !== 'number') continue;
        const withValue = (v: number) => withFault(this.current, i, { [field]: v });
        this.approach(`faults[${i}].${field}`, value, lowest, withValue);
      }
    }
  }

  /** Fewer events: a throttle position left at its default follows the new number. */
  fewerEvents(): void {
    const withEvents = (n: number): Scenario => {
      const s = this.current;
      const defaultThrottle = s.source.throttleUntilPosition === defaultsFor(s).source.throttleUntilPosition;
      const throttle = defaultThrottle
        ? defaultsFor({ ...s, numEvents: n }).source.throttleUntilPosition
        : Math.min(s.source.throttleUntilPosition, n);
      return { ...s, numEvents: n, source: { ...s.source, throttleUntilPosition: throttle } };
    };
    this.approach('numEvents', this.current.numEvents, 1, withEvents);
  }

  /**
   * Every knob back to its default where the outcome holds without it. Only the default is tried:
   * a knob between its default and its value (a lease of 15,093 ms) is no simpler to read, and
   * the knobs left set are the ones that matter.
   */
  simplerKnobs(): void {
    for (const { path } of knobsOf(this.current)) {
      const goal = knobValue(defaultsFor(this.current), path);
      const value = knobValue(this.current, path);
      if (value !== goal && this.attempt(withKnob(this.current, path, goal)))
        this.record(`${path.join('.')} ${value} -> ${goal} (the default)`);
    }
  }

  /**
   * Moves a number from `from` toward `goal`: the goal itself if the outcome holds there, else
   * by bisection the value nearest the goal found to keep it. Records one step when it moved.
   */
  private approach(name: string, from: number, goal: number, make: (v: number) => Scenario): void {
    if (from === goal) return;
    if (!this.attempt(make(goal))) {
      let kept = from;
      let lost = goal;
      while (Math.abs(kept - lost) > 1) {
        const mid = Math.trunc((kept + lost) / 2);
        if (this.attempt(make(mid))) kept = mid;
        else lost = mid;
      }
      if (kept === from) return;
    }
    this.record(`${name} ${from} -> ${this.valueOf(name, from)}`);
  }

  /** The value the last kept candidate has for `name` (a path or `faults[i].field`). */
  private valueOf(name: string, fallback: number): number {
    const match = /^faults\[(\d+)\]\.(\w+)$/.exec(name);
    if (match !== null) {
      const fault = this.current.faults[Number(match[1])] as Record<string, unknown> | undefined;
      return (fault?.[match[2]!] as number | undefined) ?? fallback;
    }
    if (name === 'numEvents') return this.current.numEvents;
    return knobValue(this.current, name.split('.')) as number;
  }
}

/** The fault fields shrinking moves, each toward its lowest valid value (earlier, shorter). */
const FAULT_FIELDS: readonly (readonly [string, number])[] = [
  ['checkpoint', 1],
  ['atElement', 1],
  ['atMs', 0],
  ['durationMs', 1],
];

function withFault(scenario: Scenario, index: number, change: Record<string, number>): Scenario {
  const faults = scenario.faults.map((f, i) => (i === index ? ({ ...f, ...change } as Fault) : f));
  return { ...scenario, faults };
}

/** `n` consecutive chunks of nearly equal size. */
function split<T>(items: readonly T[], n: number): T[][] {
  const chunks: T[][] = [];
  const size = items.length / n;
  for (let i = 0; i < n; i++) {
    const chunk = items.slice(Math.round(i * size), Math.round((i + 1) * size));
    if (chunk.length > 0) chunks.push(chunk);
  }
  return chunks;
}

/** A fault in a few words: its kind and where it strikes. */
export function describeFault(fault: Fault): string {
  const f = fault as Fault & { checkpoint?: number; atElement?: number; atMs?: number; durationMs?: number };
  const where =
    f.checkpoint !== undefined
      ? ` on checkpoint ${f.checkpoint}`
      : f.atElement !== undefined
        ? ` at element ${f.atElement}`
        : f.atMs !== undefined
          ? ` at ${msText(f.atMs)}`
          : '';
  const lasting = f.durationMs !== undefined ? ` for ${msText(f.durationMs)}` : '';
  return `${fault.kind}${where}${lasting}`;
}
