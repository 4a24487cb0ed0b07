import { create } from 'zustand';

/**
 * What part of the shared time axis is on screen, and where the pointer is on it. Kept apart from
 * the run's store: the cursor moves at the mouse's rate, and only the thin lines that draw it
 * should re-render, never the charts' data.
 */
export interface ViewState {
  /** The zoomed window of virtual time, or null for the whole run. */
  zoom: readonly [number, number] | null;
  /** The virtual time under the pointer on any chart or timeline, or null. */
  cursorMs: number | null;
}

export const useView = create<ViewState>()(() => ({ zoom: null, cursorMs: null }));

/** The narrowest window worth zooming to: a millisecond of virtual time is the model's tick. */
export const MIN_ZOOM_MS = 2;

export function zoomTo(fromMs: number, toMs: number): void {
  const from = Math.max(0, Math.round(Math.min(fromMs, toMs)));
  const to = Math.round(Math.max(fromMs, toMs));
  if (to - from < MIN_ZOOM_MS) return;
  useView.setState({ zoom: [from, to] });
}

export function resetZoom(): void {
  useView.setState({ zoom: null });
}

export function setCursor(ms: number | null): void {
  if (useView.getState().cursorMs !== ms) useView.setState({ cursorMs: ms });
}
