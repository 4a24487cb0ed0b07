import { type Fault, parseScenarioText, type Scenario } from '@eolab/engine';
import { encodeScenario } from '../nav/share';
import { knobsOf, scenarioOfControls } from '../state/controls';
import { useStore } from '../state/store';

/**
 * The fault-timeline editor's actions: its faults become the controls' scenario (what Start runs
 * next, what the share link carries); a scenario file opened replaces it.
 */
export function setFaults(faults: Fault[]): void {
  const scenario = scenarioOfControls(useStore.getState());
  useStore.setState({ baseScenario: { ...scenario, faults } });
}

/** Opens a scenario file: its errors, naming the field, or the scenario, now on the controls. */
export function openScenarioText(text: string): string[] {
  const parsed = parseScenarioText(text);
  if (!parsed.ok) return parsed.errors;
  putOnControls(parsed.value);
  return [];
}

function putOnControls(scenario: Scenario): void {
  useStore.setState({ baseScenario: scenario, mode: scenario.mode, knobs: knobsOf(scenario) });
}

/** The link that starts this scenario, faults and all, on whoever opens it. */
export function timelineLink(scenario: Scenario): string {
  return `${window.location.origin}/?scenario=${encodeScenario(scenario)}`;
}
