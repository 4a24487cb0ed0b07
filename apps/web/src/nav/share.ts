import { parseScenario, type Scenario } from '@eolab/engine';
import { startScenario } from '../actions/run';
import { scenarioOfControls } from '../state/controls';
import { useStore } from '../state/store';

/**
 * A scenario travels inside the address (`?scenario=`, base64url JSON), so a colleague with their
 * own server gets the same run: same knobs, same seed, same fault timeline.
 */
export function encodeScenario(scenario: Scenario): string {
  const bytes = new TextEncoder().encode(JSON.stringify(scenario));
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** The words for a link that is not a scenario at all: cut short when copied, or edited by hand. */
const DAMAGED =
  'This shared scenario link is damaged (its "scenario" part is not a whole encoded scenario; it may have been cut short when copied). Ask for the link again.';

export function decodeScenario(text: string): Scenario {
  let value: unknown;
  try {
    const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
    const json = new TextDecoder('utf-8', { fatal: true }).decode(
      Uint8Array.from(binary, (c) => c.charCodeAt(0)),
    );
    value = JSON.parse(json);
  } catch {
    throw new Error(DAMAGED);
  }
  const parsed = parseScenario(value);
  if (!parsed.ok) throw new Error(`the shared scenario does not fit: ${parsed.errors.join('; ')}`);
  return parsed.value;
}

/** The link for the run on screen (with every fault it saw), or for the scenario the controls describe. */
export function shareLink(): string {
  const { scenario, faultTimeline } = useStore.getState();
  const shared =
    scenario === null ? scenarioOfControls(useStore.getState()) : { ...scenario, faults: faultTimeline };
  return `${window.location.origin}/?scenario=${encodeScenario(shared)}`;
}

/** Runs the scenario an address carries, once, when the page opens. */
export function runSharedScenario(): void {
  const encoded = new URLSearchParams(window.location.search).get('scenario');
  if (encoded === null) return;
  try {
    void startScenario(decodeScenario(encoded)).catch(() => {});
  } catch (error) {
    useStore.setState({ lastError: (error as Error).message });
  }
}
