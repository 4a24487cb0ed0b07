import type { Logger } from 'pino';
import type { IoServer } from '../http/sockets';
import { roomOf } from '../http/sockets';
import type { RunManager } from '../runs/run-manager';

/**
 * Runs this server found orphaned (their server died: see PgRunStore.joinCluster) and marked
 * interrupted in the shared history: every dashboard's list hears of it, and every watcher of the
 * run, on any server, gets its snapshot from history (state `interrupted`, the events it had saved),
 * which the dashboard shows as a run interrupted by a server stop.
 */
export function tellInterrupted(io: IoServer, manager: RunManager, runIds: string[], log: Logger): void {
  for (const runId of runIds) {
    try {
      const snapshot = manager.snapshot(runId);
      io.emit('runs:changed', snapshot.run);
      io.to(roomOf(runId)).emit('run:snapshot', snapshot);
      log.warn({ runId, events: snapshot.events.length }, 'run interrupted: the server running it is gone');
    } catch (error) {
      log.error({ err: error, runId }, 'could not tell the watchers of an interrupted run');
    }
  }
}
