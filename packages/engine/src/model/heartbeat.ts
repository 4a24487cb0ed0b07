import { Prng } from '../kernel/prng';

/**
 * Flink's heartbeat between the JobMaster and a TaskManager (HeartbeatManagerSenderImpl,
 * HeartbeatMonitorImpl): the JobMaster asks for a heartbeat every `heartbeat.interval` (10 s), and
 * each reply resets the target's `heartbeat.timeout` (50 s). A TaskManager that freezes stops
 * replying, so it is declared lost one timeout after its last reply: 40 to 50 s after it froze,
 * depending on where in the request cycle the freeze fell.
 *
 * Where the requests fall is the phase: the TaskManager registered at some moment before the job
 * ran, which the model draws once per run (0..interval-1 ms after a whole number of intervals from
 * the run's start) from its own PRNG stream derived from the seed, so that drawing it changes no
 * other draw of the run.
 */
export class HeartbeatMonitor {
  /** When the first request at or after the run's start goes out, in 0..interval-1. */
  readonly phaseMs: number;

  constructor(
    seed: number,
    readonly intervalMs: number,
    readonly timeoutMs: number,
  ) {
    this.phaseMs = new Prng((seed ^ HEARTBEAT_STREAM) >>> 0).int(0, intervalMs - 1);
  }

  /**
   * The time the JobMaster declares a TaskManager lost that froze at `frozenAtMs` and stays frozen.
   * Requests go out at phase + k x interval, from before the job started (the TaskManager was
   * registered first); one due in the millisecond of the freeze goes unanswered (the freeze acts
   * first), so the last reply came 1 to `intervalMs` ms before it.
   */
  lostAtMs(frozenAtMs: number): number {
    const sinceCycle = (frozenAtMs - 1 - this.phaseMs) % this.intervalMs;
    const lastReplyMs = frozenAtMs - 1 - (sinceCycle < 0 ? sinceCycle + this.intervalMs : sinceCycle);
    return lastReplyMs + this.timeoutMs;
  }
}

/** The line a TaskManager lost to the heartbeat prints; the real backend prints the same. */
export function heartbeatTimedOut(timeoutMs: number, frozenMs: number): string {
  return `TaskManager heartbeat timed out: no reply for ${timeoutMs} ms, frozen for ${frozenMs} ms: the job fails over`;
}

/** Mixed into the seed so the heartbeat's phase comes from a stream of its own. */
const HEARTBEAT_STREAM = 0x68656172;
