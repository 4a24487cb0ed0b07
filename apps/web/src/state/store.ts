import { create } from 'zustand';
import { type CompareSlice, createCompareSlice } from './compare';
import { type ControlsSlice, createControlsSlice } from './controls';
import { createLiveRunsSlice, type LiveRunsSlice } from './live-runs';
import { createRunSlice, type RunSlice } from './run';
import { createUiSlice, type UiSlice } from './ui';
import { createValuesSlice, type ValuesSlice } from './values';

/**
 * The dashboard's one store, built from typed slices (zustand's slices pattern). Each slice file
 * holds its data, its first value and pure functions that compute the next one; nothing in state/
 * talks to the server. The actions that do (actions/, sync/) set the store once they have an answer.
 *
 * The zoom and the pointer's time live apart, in view.ts: the cursor moves at the mouse's rate, and
 * in its own store only its few subscribers are asked, never every selector of the dashboard.
 */
export type State = ControlsSlice & RunSlice & UiSlice & CompareSlice & LiveRunsSlice & ValuesSlice;

export const useStore = create<State>()(() => ({
  ...createControlsSlice(),
  ...createRunSlice(),
  ...createUiSlice(),
  ...createCompareSlice(),
  ...createLiveRunsSlice(),
  ...createValuesSlice(),
}));
