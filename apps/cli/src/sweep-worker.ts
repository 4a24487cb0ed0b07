import { type SweepResult, sweepRange } from '@eolab/engine';
import type { SweepChunk } from './parallel-sweep';

/** A worker thread's task: one range of schedules, swept exactly as a single-threaded sweep would. */
export default function sweepChunk({ start, count, seed, draw }: SweepChunk): SweepResult {
  return sweepRange({ ...draw, schedules: start + count, seed }, start, count);
}
