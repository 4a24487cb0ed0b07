import type { SimContext } from '../kernel/context';
import { TripleQueue } from '../kernel/ring';
import type { Continuation, RetriedService } from './retry';
import type { Transaction } from './transaction';

/** Tags of in-flight queue entries. */
export const PLAIN_WRITE = 1;
export const UNCOMMITTED_TXN_WRITE = 2;

/** What the connection asks of the store around it. */
export interface ConnectionHooks {
  /** The in-flight queue (in acknowledgement order) an attempt's resent writes join. */
  inflightFor(attempt: number): TripleQueue;
  /** A kept plain write failed for good: the causes record it. */
  writeFailed(attempt: number, value: number, t: number): void;
  /** A writer's retries ran out with writes still unacknowledged: its task fails. */
  writerBroken(attempt: number, writes: number, t: number): void;
}

/**
 * The event writers' connection to the segment store (client SegmentOutputStreamImpl,
 * EventWriterConfig): when the store stops answering, every connection drops; the writers keep
 * what was not acknowledged and reconnect on the client's backoff. At the first attempt after the
 * store is back they resend it; when the last attempt fails, the kept writes fail. All writers
 * share one reconnect cycle, started when the connection broke.
 */
export class WriterConnection {
  private isUp = true;
  /** When the current reconnect cycle began (the connection broke), or null when no writer retries. */
  private cycleStartMs: number | null = null;
  /** Writes kept for resending while disconnected, per attempt: value, send time, tag. */
  private readonly unacked = new Map<number, TripleQueue>();
  private readonly unsentTxns = new Set<Transaction>();
  private resendWaiters: { connected: Continuation; broken: Continuation }[] = [];

  constructor(
    private readonly ctx: SimContext,
    private readonly segments: RetriedService,
    private readonly hooks: ConnectionHooks,
  ) {}

  /** Whether a write goes out at once. */
  get connected(): boolean {
    return this.isUp;
  }

  /** The store stopped answering: every writer's connection drops. */
  storeDown(t: number): void {
    if (!this.isUp) return;
    this.isUp = false;
    this.startCycle(t);
  }

  /** The store answers again: the writers reconnect at their first retry from now. */
  storeUp(t: number): void {
    if (this.cycleStartMs === null) {
      this.isUp = true;
      return;
    }
    const start = this.cycleStartMs;
    for (let i = 1; ; i++) {
      const at = this.segments.attemptAt(start, i);
      if (at === null) return; // the last retry was before now: the cycle's exhaustion handles it
      if (at >= t) {
        this.ctx.scheduler.schedule(at, () => this.reconnect(start, at, i + 1));
        return;
      }
    }
  }

  /** A write made while disconnected is kept for resending; it starts a reconnect cycle if none runs. */
  keep(attempt: number, value: number, tMs: number, tag: number): void {
    this.queueFor(this.unacked, attempt).push(value, tMs, tag);
    if (this.cycleStartMs === null) this.startCycle(tMs);
  }

  /** A transaction written while disconnected: its flush waits for the reconnect. */
  keepUnsent(txn: Transaction, tMs: number): void {
    txn.unsent = true;
    this.unsentTxns.add(txn);
    if (this.cycleStartMs === null) this.startCycle(tMs);
  }

  /** Whether the attempt has plain writes waiting to be resent. */
  hasKept(attempt: number): boolean {
    return (this.unacked.get(attempt)?.length ?? 0) > 0;
  }

  /** While writes are kept, when the reconnect cycle's last attempt comes; else -Infinity. */
  settledByMs(): number {
    if (this.cycleStartMs !== null && (this.unacked.size > 0 || this.unsentTxns.size > 0))
      return this.cycleStartMs + this.segments.budgetMs;
    return Number.NEGATIVE_INFINITY;
  }

  /** Calls back when the writers reconnect (and resent what they kept), or when their retries ran out. */
  awaitResend(connected: Continuation, broken: Continuation): void {
    this.resendWaiters.push({ connected, broken });
  }

  private startCycle(t: number): void {
    this.cycleStartMs = t;
    this.tellReconnect(t, 'retrying', 1, t);
    const lastAttemptAt = t + this.segments.budgetMs;
    // Not essential: while the job runs other timers keep the run going, and once it ended
    // `settledByMs` makes the run wait for the writes still kept.
    this.ctx.scheduler.schedule(lastAttemptAt, () => this.giveUpIfDown(t, lastAttemptAt), false);
  }

  private reconnect(cycleStartMs: number, t: number, attempts: number): void {
    if (this.cycleStartMs !== cycleStartMs || !this.segments.reachable) return;
    this.cycleStartMs = null;
    this.isUp = true;
    this.tellReconnect(t, 'succeeded', attempts, cycleStartMs);
    const ackAt = t + this.ctx.scenario.sink.writeLatencyMs;
    for (const [attempt, queue] of this.unacked) {
      const target = this.hooks.inflightFor(attempt);
      while (queue.length > 0) {
        target.push(queue.headValue(), ackAt, queue.headTag());
        queue.shift();
      }
    }
    if (this.unacked.size > 0) {
      // The resent writes land at ackAt: a run that has nothing else left to do waits for them.
      this.ctx.scheduler.schedule(ackAt, noop);
    }
    this.unacked.clear();
    for (const txn of this.unsentTxns) {
      txn.unsent = false;
      // Resent into a transaction aborted meanwhile, the writes fail: its segment is gone.
      if (txn.state !== 'OPEN') txn.writeFailed = true;
    }
    this.unsentTxns.clear();
    const waiters = this.resendWaiters;
    this.resendWaiters = [];
    for (const waiter of waiters) waiter.connected(t);
  }

  /** The last reconnect attempt failed: every write kept for resending fails. */
  private giveUpIfDown(cycleStartMs: number, t: number): void {
    if (this.cycleStartMs !== cycleStartMs || this.segments.reachable) return;
    this.cycleStartMs = null;
    this.tellReconnect(t, 'exhausted', this.segments.attemptCount, cycleStartMs);
    for (const [attempt, queue] of this.unacked) {
      let writes = 0;
      while (queue.length > 0) {
        const value = queue.headValue();
        if (queue.headTag() === PLAIN_WRITE && value > 0) {
          writes++;
          this.hooks.writeFailed(attempt, value, t);
        }
        queue.shift();
      }
      this.ctx.metrics.extra.writeFailures += writes;
      if (writes > 0) this.hooks.writerBroken(attempt, writes, t);
    }
    this.unacked.clear();
    for (const txn of this.unsentTxns) {
      txn.unsent = false;
      txn.writeFailed = true;
    }
    this.unsentTxns.clear();
    const waiters = this.resendWaiters;
    this.resendWaiters = [];
    for (const waiter of waiters) waiter.broken(t);
  }

  private tellReconnect(
    t: number,
    outcome: 'retrying' | 'succeeded' | 'exhausted',
    attempts: number,
    startMs: number,
  ): void {
    this.ctx.emit({
      t,
      kind: 'call-retried',
      service: 'segment-store',
      call: 'writer-reconnect',
      outcome,
      attempts,
      waitedMs: t - startMs,
      subtask: -1,
      attempt: 0,
      txnId: null,
    });
  }

  private queueFor(queues: Map<number, TripleQueue>, attempt: number): TripleQueue {
    let queue = queues.get(attempt);
    if (queue === undefined) {
      queue = new TripleQueue(64, attempt);
      queues.set(attempt, queue);
    }
    return queue;
  }
}

function noop(): void {}
