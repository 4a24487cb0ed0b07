import type { ClientToServerEvents, ServerToClientEvents } from '@eolab/protocol';
import { io, type Socket } from 'socket.io-client';
import { applySummary, receiveDelta, rewatch } from './actions';
import { noteSummary, openComparison } from './compare';
import { runSharedScenario } from './share';
import { useStore } from './store';

type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let socket: AppSocket | null = null;

/** One socket for the page; it reconnects by itself and re-watches the run on screen. */
export function getSocket(): AppSocket {
  if (socket !== null) return socket;
  const s: AppSocket = io({ transports: ['websocket', 'polling'], reconnectionDelayMax: 2_000 });
  socket = s;
  let first = true;
  s.on('connect', () => {
    useStore.setState({ connection: 'connected' });
    if (first) {
      runSharedScenario();
      void openComparison();
    }
    first = false;
    rewatch();
  });
  s.on('disconnect', () => useStore.setState({ connection: 'disconnected' }));
  s.on('connect_error', () => useStore.setState({ connection: 'disconnected' }));
  s.on('run:delta', receiveDelta);
  s.on('runs:changed', (summary) => {
    applySummary(summary);
    noteSummary(summary);
    useStore.setState((st) => ({ runsVersion: st.runsVersion + 1 }));
  });
  return s;
}
