import type { Ack, ClientToServerEvents, ServerToClientEvents } from '@eolab/protocol';
import { io, type Socket } from 'socket.io-client';
import { runSharedScenario } from '../nav/share';
import { applySummary } from '../state/actions';
import { noteSummary, openComparison } from '../state/compare';
import { noteLiveSummary } from '../state/live-runs';
import { useStore } from '../state/store';
import { receiveDelta, receiveSnapshot, rewatch } from '../sync/run-sync';

type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let socket: AppSocket | null = null;

/** One socket for the page; it reconnects by itself and re-watches the run on screen. */
export function getSocket(): AppSocket {
  if (socket !== null) return socket;
  const s: AppSocket = io({ transports: ['websocket'], reconnectionDelayMax: 2_000 });
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
  s.on('run:snapshot', receiveSnapshot);
  s.on('runs:changed', (summary) => {
    applySummary(summary);
    noteSummary(summary);
    noteLiveSummary(summary);
    useStore.setState((st) => ({ runsVersion: st.runsVersion + 1 }));
  });
  return s;
}

/**
 * One request to the server, answered with `{ok, data | error}`: the data, or a rejection with the
 * server's reason (also shown in the header).
 */
export function send<T>(event: keyof ClientToServerEvents, payload: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const socket = getSocket();
    // socket.io would queue the call and replay it on reconnect, against a server that moved on.
    if (!socket.connected) {
      reject(new Error('not connected to the server'));
      return;
    }
    (socket.emit as (e: string, p: unknown, ack: (r: Ack<T>) => void) => void)(event, payload, (result) => {
      if (result.ok) resolve(result.data);
      else {
        useStore.setState({ lastError: result.error });
        reject(new Error(result.error));
      }
    });
  });
}
