import type { SimEvent } from '../events';
import type { Metrics } from '../run/metrics';
import type { Scenario } from '../scenario/schema';
import type { Scheduler } from './scheduler';
import type { ValueTracer } from './value-tracer';

/** The stream's special values, as the sample's IntegerEvent defines them. */
export const START_MARKER = -1;
export const END_MARKER = -9999;

/** What every part of the simulated system shares: the scenario, the clock and the event sink. */
export interface SimContext {
  readonly scenario: Scenario;
  readonly scheduler: Scheduler;
  readonly metrics: Metrics;
  emit(event: SimEvent): void;
  /**
   * Whether anyone listens to events. A sweep does not, and building an event costs more than most
   * steps it tells of: the steps every checkpoint takes build theirs only when it is true.
   */
  readonly listening: boolean;
  /**
   * Whether console lines are written: false in a run judged by its summary alone (a sweep's), where
   * the lines built at every checkpoint are built only when this is true.
   */
  readonly keepsLog: boolean;
  /** Follows a few values through the run (a replay for "Find a value"); null in every other run. */
  readonly tracer: ValueTracer | null;
  /** A console line of the sample's writer or checker, at virtual time t. */
  console(source: 'writer' | 'checker', line: string, t: number): void;
}

/** Fails loudly when an invariant of the model breaks: a bug in the engine, never bad input. */
export function invariant(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`engine invariant violated: ${message}`);
}

/**
 * Where a switch has handled every member of a union: a new member is a type error here, so the
 * compiler names the switch that must decide what to do with it.
 */
export function exhaustive(value: never): never {
  throw new Error(`engine invariant violated: unhandled ${String(value)}`);
}
