import type { SweepResult } from '@eolab/engine';
import { parseFlags, UsageError } from '../args';
import { FleetError, parseRedisUrl } from './fleet-queue';
import { fleetSweep } from './fleet-sweep';
import { runFleetWorker } from './fleet-worker';

interface Output {
  write(text: string): unknown;
}

/** `eolab worker --redis URL`. */
export async function workerCommand(args: readonly string[], out: Output, err: Output): Promise<number> {
  const flags = parseFlags(args, { redis: { type: 'string' } });
  const { url } = parseRedisUrl(flags.redis as string | undefined);
  try {
    return await runFleetWorker(url, out, err);
  } catch (error) {
    if (error instanceof FleetError) throw new UsageError(`worker: ${error.message}`);
    throw error;
  }
}

/**
 * `eolab sweep --redis URL`: the fleet's sweep. What stops it (Redis out of reach, a chunk that
 * kept failing, Ctrl-C) ends the command with its reason and exit code 2, never a stack.
 */
export async function fleetSweepCommand(
  redis: string,
  schedules: number,
  seed: number,
  onProgress: (done: number) => void,
  err: Output,
): Promise<SweepResult> {
  const { url } = parseRedisUrl(redis);
  const cancel = new AbortController();
  const onSignal = () => cancel.abort();
  process.once('SIGINT', onSignal);
  try {
    return await fleetSweep(url, schedules, seed, onProgress, err, cancel.signal);
  } catch (error) {
    if (error instanceof FleetError) throw new UsageError(`sweep --redis: ${error.message}`);
    throw error;
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
}
