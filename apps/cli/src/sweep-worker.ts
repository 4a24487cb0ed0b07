import { type SweepResult, sweep } from '@eolab/engine';
import type { SweepChunk } from './parallel-sweep';

/** A worker thread's task: one range of schedules, swept exactly as a single-threaded sweep would. */
export default function sweepChunk({ start, count, seed }: SweepChunk): SweepResult {
  return sweep(count, seed + start);
}
