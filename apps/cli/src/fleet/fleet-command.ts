import { hostname } from 'node:os';
import type { SweepResult, SweepSpec } from '@eolab/engine';
import type * as Fleet from '@eolab/fleet';
import { parseFlags, UsageError } from '../args';

interface Output {
  write(text: string): unknown;
}

/** How often a waiting sweep says that no worker is taking its chunks. */
const NO_WORKER_NOTE_MS = 10_000;

/** Redis's address from `--redis`: a redis:// or rediss:// URL, or bad input naming the flag. */
export function parseRedisUrl(value: string | undefined, flag = '--redis'): string {
  if (value === undefined || value === '')
    throw new UsageError(`${flag}: expected a URL such as redis://127.0.0.1:6379`);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new UsageError(`${flag}: '${value}' is not a URL (expected redis://host:port)`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw new UsageError(`${flag}: expected a redis:// or rediss:// URL, got '${parsed.protocol}'`);
  return value;
}

/**
 * `eolab worker --redis URL`: takes sweep chunks from the fleet's queue (@eolab/fleet) until
 * SIGINT or SIGTERM, then finishes the chunk in hand and leaves.
 */
export async function workerCommand(args: readonly string[], out: Output, err: Output): Promise<number> {
  const flags = parseFlags(args, { redis: { type: 'string' } });
  const url = parseRedisUrl(flags.redis as string | undefined);
  const name = `${hostname()}:${process.pid}`;
  const { startFleetWorker } = await loadFleet();
  const worker = await startFleetWorker(url, name, (message) =>
    err.write(`eolab worker: ${message}\n`),
  ).catch(rethrowAs('worker'));
  out.write(`eolab worker ${name}: taking sweep chunks from ${url}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await worker.close();
  out.write(`eolab worker ${name}: stopped after ${worker.chunks()} chunks\n`);
  return 0;
}

/**
 * `eolab sweep --redis URL`: the fleet's sweep, the same table as `eolab sweep` for the same seed
 * and draw. What stops it (Redis out of reach, a chunk that kept failing, Ctrl-C) ends the command
 * with its reason and exit code 2, never a stack.
 */
export async function fleetSweepCommand(
  redis: string,
  spec: SweepSpec,
  onProgress: (done: number) => void,
  err: Output,
): Promise<SweepResult> {
  const url = parseRedisUrl(redis);
  const cancel = new AbortController();
  const onSignal = () => cancel.abort();
  process.once('SIGINT', onSignal);
  let queued = false;
  let notedAt = 0;
  try {
    const { fleetSweep } = await loadFleet();
    return await fleetSweep(url, spec, {
      onProgress,
      cancel: cancel.signal,
      onNote: (message) => err.write(`sweep: ${message}\n`),
      onWorkers: (workers, chunksLeft) => {
        if (!queued) {
          queued = true;
          notedAt = Date.now();
          return void err.write(
            `sweep: ${chunksLeft} chunks queued for ${workers} connected eolab worker(s)\n`,
          );
        }
        if (workers > 0 || Date.now() - notedAt < NO_WORKER_NOTE_MS) return;
        notedAt = Date.now();
        err.write(`sweep: no eolab worker is connected to the queue; ${chunksLeft} chunks wait\n`);
      },
    }).catch(rethrowAs('sweep --redis'));
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
}

/**
 * The fleet (BullMQ, ioredis) is loaded only by the commands that use it: every other command
 * starts without parsing them (they were most of `eolab run`'s start-up).
 */
function loadFleet(): Promise<typeof Fleet> {
  return import('@eolab/fleet');
}

/** A FleetError as bad input naming the command and flag (exit code 2); anything else as it is. */
function rethrowAs(command: string): (error: unknown) => Promise<never> {
  return async (error) => {
    const { FleetError } = await loadFleet();
    if (error instanceof FleetError) throw new UsageError(`${command}: ${error.message}`);
    throw error;
  };
}
