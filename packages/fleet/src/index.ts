/**
 * Sweeps on a fleet of workers (issue 22): a sweep's schedules as chunks on a BullMQ queue in
 * Redis, swept by workers on any machine, merged in schedule order. `eolab sweep --redis` and
 * `eolab worker` (apps/cli) and the server's Sweeps page with EOLAB_REDIS_URL use it.
 */
export {
  type ChunkJob,
  FLEET_CHUNK_MAX,
  FLEET_QUEUE,
  FleetError,
  FleetSweepCancelled,
  fleetChunks,
  LOCK_MS,
} from './queue';
export { type FleetSweepOptions, fleetSweep, WORKERS_POLL_MS, withdrawFleetSweep } from './sweep';
export { type FleetWorker, startFleetWorker, sweepChunk } from './worker';
