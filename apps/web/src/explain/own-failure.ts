import { type Fault, presetScenario, type Scenario, type SimEvent } from '@eolab/engine';

/**
 * The sample's own failure (the mapper's artificial exception at an element) in words: where it
 * will fire before a run, and during one whether it still will. Derived from the scenario and the
 * run's events, never written per preset: the sample's mapper counts the elements of an attempt
 * (start marker included) and never throws in an attempt restored from a checkpoint.
 */

/** The element the mapper throws at in a fresh attempt (the earliest of the timeline), or null. */
export function failingElement(faults: readonly Fault[]): number | null {
  let element: number | null = null;
  for (const f of faults)
    if (f.kind === 'mapper-exception' && f.atElement !== undefined)
      element = element === null ? f.atElement : Math.min(element, f.atElement);
  return element;
}

const n = (v: number): string => v.toLocaleString('en');

/** Element E of an attempt started fresh is the value E - 1: the start marker is element 1. */
const atElement = (element: number): string => `element ${n(element)} (the value ${n(element - 1)})`;

/**
 * Before Start: where the failure of the scenario the controls describe will fire, and, when the
 * Events knob moved it away from the preset's own, from where and why.
 */
export function plannedFailureText(scenario: Scenario, presetId: string | null): string | null {
  const element = failingElement(scenario.faults);
  if (element === null) return null;
  const where = `The mapper throws at ${atElement(element)} of the first attempt, and never in an attempt restored from a checkpoint.`;
  const preset = presetId === null ? undefined : presetScenario(presetId, scenario.mode);
  const presetElement = preset === undefined ? null : failingElement(preset.faults);
  if (preset === undefined || presetElement === null || presetElement === element) return where;
  return `${where} Events is ${n(scenario.numEvents)}, not the preset's ${n(preset.numEvents)}: its failure at element ${n(presetElement)} moves to N/2 + 1 = ${n(element)}, where the sample puts it.`;
}

export interface OwnFailureFate {
  /** Whether the failure is still to come in this run. */
  willFire: boolean;
  text: string;
}

/**
 * During a run: whether the scenario's own failure still fires, and why not. Null when the
 * scenario has none, or when it already fired (the narration tells that).
 */
export function ownFailureFate(
  scenario: Scenario,
  events: readonly SimEvent[],
  live: boolean,
): OwnFailureFate | null {
  const element = failingElement(scenario.faults);
  if (element === null) return null;
  let fired = false;
  let lastRestore: Extract<SimEvent, { kind: 'job-restored' }> | null = null;
  let firstFailure: Extract<SimEvent, { kind: 'task-failed' }> | null = null;
  for (const e of events) {
    if (e.kind === 'task-failed') {
      if (e.element === element) fired = true;
      firstFailure ??= e;
    } else if (e.kind === 'job-restored') lastRestore = e;
  }
  if (fired) return null;
  if (lastRestore !== null && lastRestore.checkpointId !== null) {
    const after = firstFailure === null ? '' : ` after the failure at ${n(firstFailure.t)} ms`;
    return {
      willFire: false,
      text: `The scenario's own failure at element ${n(element)} will not fire: the sample's mapper never fails in an attempt restored from a checkpoint, and attempt ${lastRestore.attempt} was restored from checkpoint ${lastRestore.checkpointId}${after}.`,
    };
  }
  if (!live) return null;
  if (lastRestore !== null)
    return {
      willFire: true,
      text: `Attempt ${lastRestore.attempt} started fresh (no checkpoint to restore from), so the mapper counts again: it throws at ${atElement(element)}.`,
    };
  return { willFire: true, text: `The scenario's own failure fires at ${atElement(element)}.` };
}
