import { MAX_VIRTUAL_TIME_MS, type Scenario } from '@eolab/engine';
import type { Limits } from '../config';
import { RunError } from './run-error';

/** Virtual time a run needs without faults: the throttled start, every event, the closing checkpoints. */
export function naturalLengthMs(scenario: Scenario): number {
  const s = scenario.source;
  return (
    s.throttleUntilPosition * s.throttleIntervalMs +
    scenario.numEvents * s.eventIntervalMs +
    (s.finalCheckpoints + 2) * scenario.checkpoint.intervalMs
  );
}

/**
 * The work a run asks for is not bounded by its event count alone: each checkpoint is a dozen
 * protocol events and timers, so a long run with a short interval can keep a core busy for hours,
 * and a run longer than the model's clock can only end at that limit. Refuse both up front.
 */
export function checkRunWork(scenario: Scenario, limits: Limits): void {
  if (scenario.numEvents > limits.maxEventsPerRun) {
    throw new RunError(413, `numEvents: at most ${limits.maxEventsPerRun} events per run on this server`);
  }
  const lengthMs = naturalLengthMs(scenario);
  if (lengthMs > MAX_VIRTUAL_TIME_MS / 2) {
    throw new RunError(
      400,
      `source: the run would need about ${Math.round(lengthMs)} ms of virtual time (numEvents × source.eventIntervalMs plus the throttled start), more than the model's limit of ${Math.floor(MAX_VIRTUAL_TIME_MS / 2)} ms`,
    );
  }
  const checkpoints = Math.ceil(lengthMs / scenario.checkpoint.intervalMs);
  if (checkpoints > limits.maxCheckpointsPerRun) {
    throw new RunError(
      413,
      `checkpoint.intervalMs: about ${checkpoints} checkpoints (${Math.round(lengthMs)} ms of virtual time, one every ${scenario.checkpoint.intervalMs} ms); at most ${limits.maxCheckpointsPerRun} per run on this server`,
    );
  }
}
