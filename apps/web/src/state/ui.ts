/**
 * The UI slice: the connection, the screen the address names, and what the person picked that is
 * not a run's data (the highlighted moment, the theme, the scrubbed time).
 */

/** Three screens: the live dashboard (`/`, `/?run=ID`, `/compare?…`), the run history (`/runs`) and sweeps (`/sweeps`, `/sweeps/ID`). */
export type Screen = 'dashboard' | 'history' | 'sweeps';

export interface UiSlice {
  connection: 'connecting' | 'connected' | 'disconnected';
  lastError: string | null;
  screen: Screen;
  /** A virtual time the user picked (a narration sentence); every chart marks it. */
  highlightMs: number | null;
  theme: 'light' | 'dark';
  /** Counts the server's run announcements, so lists know to reload. */
  runsVersion: number;
  /** The virtual time a finished run is scrubbed to, or null at its end. */
  scrubMs: number | null;
}

/** `/runs` is the history; `/runs/ID`, `/?run=ID` and `/compare?runs=A,B,C` are dashboard views. */
export const screenOf = (path: string): Screen =>
  /^\/runs\/?$/.test(path)
    ? 'history'
    : /^\/sweeps(\/[A-Za-z0-9_-]{1,64})?\/?$/.test(path)
      ? 'sweeps'
      : 'dashboard';

const initialTheme = (): 'light' | 'dark' =>
  typeof window !== 'undefined' && window.matchMedia?.('(prefers-color-scheme: dark)').matches
    ? 'dark'
    : 'light';

export const createUiSlice = (): UiSlice => ({
  connection: 'connecting',
  lastError: null,
  screen: typeof window === 'undefined' ? 'dashboard' : screenOf(window.location.pathname),
  highlightMs: null,
  theme: initialTheme(),
  runsVersion: 0,
  scrubMs: null,
});
