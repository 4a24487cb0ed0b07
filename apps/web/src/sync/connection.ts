import { getSocket, onRefusal } from '../api/socket';
import { runIdFromAddress } from '../nav/route';
import { useStore } from '../state/store';
import { noteComparedSummary } from './compare-sync';
import { noteSummary, receiveDelta, receiveSnapshot, watchRun } from './run-sync';

/**
 * What the server's pushes do to the screen: the socket's handlers, each a module-level function
 * of sync/. `onFirstConnect` runs once, on the first connection (the address's shared scenario or
 * comparison): the page passes it in, so this room needs nothing from the rooms above it.
 */
let wired = false;

export function connect(onFirstConnect: () => void): void {
  if (wired) return;
  wired = true;
  const socket = getSocket();
  onRefusal((reason) => useStore.setState({ lastError: reason }));
  let first = true;
  socket.on('connect', () => {
    useStore.setState({ connection: 'connected' });
    if (first) onFirstConnect();
    first = false;
    rewatch();
  });
  socket.on('disconnect', () => useStore.setState({ connection: 'disconnected' }));
  socket.on('connect_error', () => useStore.setState({ connection: 'disconnected' }));
  socket.on('run:delta', receiveDelta);
  socket.on('run:snapshot', receiveSnapshot);
  socket.on('runs:changed', (summary) => {
    noteSummary(summary);
    noteComparedSummary(summary);
    useStore.setState((s) => ({ runsVersion: s.runsVersion + 1 }));
  });
}

/** After a (re)connect the server may have moved on: take a fresh snapshot of the run on screen, or of the one the address names. */
function rewatch(): void {
  const fromUrl =
    runIdFromAddress() ?? new URLSearchParams(window.location.search).get('runs')?.split(',')[0] ?? null;
  const runId = useStore.getState().runId ?? fromUrl;
  if (runId !== null) void watchRun(runId).catch(() => {});
}
