import type { SweepProgress } from '@eolab/protocol';
import { getSocket } from '../api/socket';

/** The server tells every dashboard how each sweep moves; the Sweep page listens while it is open. */
export function onSweepProgress(listener: (progress: SweepProgress) => void): () => void {
  const socket = getSocket();
  socket.on('sweep:progress', listener);
  return () => {
    socket.off('sweep:progress', listener);
  };
}
