import { create } from 'zustand';

/** Two screens: the live dashboard (`/`, `/?run=ID`) and the run history (`/runs`). */
export type Screen = 'dashboard' | 'history';

const screenOf = (path: string): Screen => (path.startsWith('/runs') ? 'history' : 'dashboard');

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
