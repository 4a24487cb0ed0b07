import { create } from 'zustand';

/** Two screens: the live dashboard (`/`, `/?run=ID`) and the run history (`/runs`). */
export type Screen = 'dashboard' | 'history';

/** `/runs` is the history; `/runs/ID`, `/?run=ID` and `/compare?runs=A,B,C` are dashboard views. */
const screenOf = (path: string): Screen => (/^\/runs\/?$/.test(path) ? 'history' : 'dashboard');

/** The run an address names: `/runs/ID` or `?run=ID`. */
export function runIdFromAddress(): string | null {
  const match = /^\/runs\/([A-Za-z0-9_-]{1,64})$/.exec(window.location.pathname);
  return match?.[1] ?? new URLSearchParams(window.location.search).get('run');
}

export const useRoute = create<{ screen: Screen }>()(() => ({
  screen: typeof window === 'undefined' ? 'dashboard' : screenOf(window.location.pathname),
}));

export function navigate(url: string): void {
  window.history.pushState(null, '', url);
  useRoute.setState({ screen: screenOf(new URL(url, window.location.origin).pathname) });
}

if (typeof window !== 'undefined') {
  window.addEventListener('popstate', () =>
    useRoute.setState({ screen: screenOf(window.location.pathname) }),
  );
}
