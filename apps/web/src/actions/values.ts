import { getValueLife, getValueStrip } from '../api/rest';
import { useStore } from '../state/store';
import { stripRange } from '../state/values';
import { resetZoom, setCursor, zoomTo } from '../state/view';
import { highlight } from './controls';

/** "Find a value": asks the server for the value's life, then the strip around it at the chosen moment. */
export async function findValue(value: number): Promise<void> {
  const { runId, scenario, valueSearch } = useStore.getState();
  if (runId === null || scenario === null) return;
  useStore.setState({
    valueSearch: { ...valueSearch, value, runId, life: null, strip: null, loading: true, error: null },
  });
  // Scrolled into view and focused, so a click on a value elsewhere shows where its answer is.
  document.getElementById('value-search')?.scrollIntoView({ block: 'nearest' });
  try {
    const life = await getValueLife(runId, value);
    if (!stillAsked(runId, value)) return;
    useStore.setState((s) => ({ valueSearch: { ...s.valueSearch, life, loading: false } }));
    await showStripAt(useStore.getState().valueSearch.stripAtMs);
  } catch (error) {
    if (!stillAsked(runId, value)) return;
    useStore.setState((s) => ({
      valueSearch: { ...s.valueSearch, loading: false, error: (error as Error).message },
    }));
  }
}

/** The strip around the value asked for, at `atMs` (null: the run's end, or now). */
export async function showStripAt(atMs: number | null): Promise<void> {
  const { runId, scenario, valueSearch } = useStore.getState();
  const value = valueSearch.value;
  if (runId === null || scenario === null || value === null) return;
  useStore.setState({ valueSearch: { ...valueSearch, stripAtMs: atMs } });
  const range = stripRange(value, scenario.numEvents);
  try {
    const strip = await getValueStrip(runId, { ...range, ...(atMs === null ? {} : { atMs }) });
    if (!stillAsked(runId, value) || useStore.getState().valueSearch.stripAtMs !== atMs) return;
    useStore.setState((s) => ({ valueSearch: { ...s.valueSearch, strip } }));
  } catch (error) {
    if (!stillAsked(runId, value)) return;
    useStore.setState((s) => ({ valueSearch: { ...s.valueSearch, error: (error as Error).message } }));
  }
}

function stillAsked(runId: string, value: number): boolean {
  const s = useStore.getState();
  return s.runId === runId && s.valueSearch.value === value && s.valueSearch.runId === runId;
}

/**
 * Shows a moment on every timeline: the zoom window around it, the shared cursor on it, and the
 * highlight every chart marks. The run is not scrubbed: scrubbed back, the checker has not judged
 * yet, and the causes the jump came from would leave the screen.
 */
export function jumpTo(atMs: number): void {
  const { nowMs } = useStore.getState();
  const spanMs = Math.max(20, Math.round(nowMs / 20));
  if (nowMs <= 2 * spanMs) resetZoom();
  else zoomTo(Math.max(0, atMs - spanMs), Math.min(nowMs, Math.max(atMs + spanMs, 2 * spanMs)));
  setCursor(atMs);
  highlight(atMs);
}
