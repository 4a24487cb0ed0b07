import type { System, WriterMode } from '@eolab/engine';
import type { BackendKind } from '@eolab/protocol';
import { type Knobs, withPreset, withSystemKnob } from '../state/controls';
import { scrubbedTo, stepped } from '../state/scrub';
import { useStore } from '../state/store';

/** What a person picks that only changes the screen: the sidebar's choices, the theme, a moment. */

export function choosePreset(presetId: string): void {
  useStore.setState((s) => withPreset(s, presetId));
}

export function chooseMode(mode: WriterMode): void {
  useStore.setState({ mode });
}

export function chooseBackend(backend: BackendKind): void {
  useStore.setState({ backendChoice: backend });
}

export function setKnob<K extends keyof Knobs>(key: K, value: Knobs[K]): void {
  useStore.setState((s) => ({ knobs: { ...s.knobs, [key]: value } }));
}

/** Pravega or Kafka for the next run; refused, with the reason, when the scenario cannot run there. */
export function chooseSystem(system: System): void {
  try {
    const knobs = withSystemKnob(useStore.getState(), system);
    useStore.setState({ knobs, lastError: null });
  } catch (error) {
    useStore.setState({ lastError: (error as Error).message });
  }
}

export function highlight(ms: number | null): void {
  useStore.setState({ highlightMs: ms });
}

export function toggleTheme(): void {
  useStore.setState((s) => ({ theme: s.theme === 'dark' ? 'light' : 'dark' }));
}

export function scrubTo(ms: number): void {
  useStore.setState((s) => scrubbedTo(s, ms));
}

/** To the previous (-1) or next (1) protocol step of a finished run. */
export function stepEvent(direction: 1 | -1): void {
  useStore.setState((s) => stepped(s, direction));
}
