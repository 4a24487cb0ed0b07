import { useStore } from '../state/store';
import { screenOf } from '../state/ui';

/** The address: which run it names, and moving to another one (the store's `screen` follows it). */

/** The run an address names: `/runs/ID` or `?run=ID`. */
export function runIdFromAddress(): string | null {
  const match = /^\/runs\/([A-Za-z0-9_-]{1,64})$/.exec(window.location.pathname);
  return match?.[1] ?? new URLSearchParams(window.location.search).get('run');
}

/** The sweep an address names: `/sweeps/ID`. */
export function sweepIdFromAddress(): string | null {
  return /^\/sweeps\/([A-Za-z0-9_-]{1,64})\/?$/.exec(window.location.pathname)?.[1] ?? null;
}

export function navigate(url: string): void {
  window.history.pushState(null, '', url);
  useStore.setState({ screen: screenOf(new URL(url, window.location.origin).pathname) });
}

if (typeof window !== 'undefined') {
  window.addEventListener('popstate', () =>
    useStore.setState({ screen: screenOf(window.location.pathname) }),
  );
}
