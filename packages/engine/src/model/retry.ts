import type { CallKind } from '../events';
import type { SimContext } from '../kernel/context';
import type { RetryPolicy } from '../scenario/schema';

/**
 * When each attempt of a retried call happens, in ms after the first one: Pravega's
 * `Retry.withExpBackoff(initial, multiple, attempts, max)` (common/util/Retry.java): the first
 * attempt at once, the second `initial` later, then each wait `multiple` times the last, at most `max`.
 */
export function attemptOffsetsMs(policy: RetryPolicy): number[] {
  const offsets = [0];
  let delay = 0;
  let at = 0;
  for (let attempt = 2; attempt <= policy.attempts; attempt++) {
    delay =
      attempt === 2 ? policy.initialBackoffMs : Math.min(policy.maxBackoffMs, delay * policy.backoffMultiple);
    at += delay;
    offsets.push(at);
  }
  return offsets;
}

/** Called when a retried call gets through, or when its retries ran out, at virtual time `at`. */
export type Continuation = (at: number) => void;

/** What a retried call is, for the `call-retried` events; pings pass none (they are many and tell nothing). */
export interface CallLabel {
  call: CallKind;
  subtask: number;
  attempt: number;
  txnId: number | null;
}

/**
 * A service the job reaches over the network, which can be unreachable for a while (an outage).
 * A call made while it is unreachable is retried on the client's backoff schedule, with one timer
 * per attempt, so an outage that ends, or starts, between two attempts is seen exactly as a real
 * client would see it.
 */
export class RetriedService {
  private outages = 0;
  private readonly offsetsMs: number[];

  constructor(
    private readonly ctx: SimContext,
    readonly service: 'controller' | 'segment-store',
    policy: RetryPolicy,
  ) {
    this.offsetsMs = attemptOffsetsMs(policy);
  }

  get reachable(): boolean {
    return this.outages === 0;
  }

  /** Time between the first and the last attempt of a call. */
  get budgetMs(): number {
    return this.offsetsMs[this.offsetsMs.length - 1]!;
  }

  get attemptCount(): number {
    return this.offsetsMs.length;
  }

  /** Virtual time of attempt `index` (0-based) of a call first made at `startMs`, or null past the last. */
  attemptAt(startMs: number, index: number): number | null {
    const offset = this.offsetsMs[index];
    return offset === undefined ? null : startMs + offset;
  }

  setOutage(active: boolean): void {
    this.outages += active ? 1 : -1;
    if (this.outages < 0) throw new Error('engine invariant violated: outage count below zero');
  }

  /**
   * Makes a call at time t. When the service is reachable, `done(t)` runs at once and this returns
   * false. Otherwise the call is retried and this returns true (the caller waits): `done(at)` runs
   * at the first attempt that gets through, `exhausted(at)` when the last one failed.
   */
  call(t: number, label: CallLabel | null, done: Continuation, exhausted: Continuation): boolean {
    if (this.reachable) {
      done(t);
      return false;
    }
    this.tell(label, t, 'retrying', 1, t);
    if (this.offsetsMs.length === 1) {
      this.tell(label, t, 'exhausted', 1, t);
      exhausted(t);
      return true;
    }
    this.retry(t, 1, label, done, exhausted);
    return true;
  }

  private retry(
    startMs: number,
    index: number,
    label: CallLabel | null,
    done: Continuation,
    exhausted: Continuation,
  ): void {
    const at = startMs + this.offsetsMs[index]!;
    this.ctx.scheduler.schedule(at, () => {
      if (this.reachable) {
        this.tell(label, at, 'succeeded', index + 1, startMs);
        done(at);
      } else if (index + 1 >= this.offsetsMs.length) {
        this.tell(label, at, 'exhausted', index + 1, startMs);
        exhausted(at);
      } else this.retry(startMs, index + 1, label, done, exhausted);
    });
  }

  private tell(
    label: CallLabel | null,
    t: number,
    outcome: 'retrying' | 'succeeded' | 'exhausted',
    attempts: number,
    startMs: number,
  ): void {
    if (label === null) return;
    this.ctx.emit({
      t,
      kind: 'call-retried',
      service: this.service,
      call: label.call,
      outcome,
      attempts,
      waitedMs: t - startMs,
      subtask: label.subtask,
      attempt: label.attempt,
      txnId: label.txnId,
    });
  }
}
