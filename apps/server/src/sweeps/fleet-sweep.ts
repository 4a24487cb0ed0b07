import type { SweepResult, SweepSpec } from '@eolab/engine';
import { FleetSweepCancelled, fleetSweep } from '@eolab/fleet';
import type { Logger } from 'pino';
import { SweepCancelled, type SweepJob } from './sweep-pool';

/**
 * A Sweeps-page sweep on the fleet (EOLAB_REDIS_URL set): its chunks go on the queue that
 * `eolab worker` processes on any machine take from (@eolab/fleet), and come back merged in
 * schedule order: the same result as on the server's threads. The server sweeps nothing itself:
 * with no worker connected the sweep waits, and `onWorkers` says so (the page shows it).
 */
export function runFleetSweep(
  redisUrl: string,
  /** The dashboard's id of the sweep, its chunks' name on the queue (withdrawn by it if this server dies). */
  id: string,
  spec: SweepSpec,
  onProgress: (done: number) => void,
  onWorkers: (workers: number) => void,
  log: Logger,
): SweepJob {
  const cancel = new AbortController();
  const result = fleetSweep(redisUrl, spec, {
    id,
    keepSchedules: true,
    onProgress,
    onWorkers,
    onNote: (message) => log.warn({ message }, 'fleet sweep'),
    cancel: cancel.signal,
  }).catch((error: unknown): SweepResult => {
    throw error instanceof FleetSweepCancelled ? new SweepCancelled() : error;
  });
  return { result, cancel: () => cancel.abort() };
}
