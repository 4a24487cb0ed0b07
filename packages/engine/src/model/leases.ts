import type { SimContext } from '../kernel/context';
import { type LeaseKeeper, pingIntervalMs } from './pinger';
import type { RetriedService } from './retry';
import { type Transaction, txnRef } from './transaction';

/** A transaction lives at most min(1000 x lease, 24 h) (controller StreamTransactionMetadataTasks). */
const MAX_EXECUTION_LEASES = 1000;
const MAX_EXECUTION_MS = 24 * 3_600_000;

/**
 * The controller's side of transaction leases: pings (controller calls, retried) renew a lease,
 * and an OPEN transaction whose lease runs out is handed to `expire` (the store aborts it). The
 * controller's timers run on its own clock, also while the job cannot reach it.
 */
export class ControllerLeases implements LeaseKeeper {
  readonly pingIntervalMs: number;
  private readonly maxExecutionMs: number;

  constructor(
    readonly ctx: SimContext,
    private readonly controller: RetriedService,
    private readonly leaseMs: number,
    private readonly expire: (txn: Transaction, tMs: number) => void,
  ) {
    this.pingIntervalMs = Math.round(pingIntervalMs(leaseMs));
    this.maxExecutionMs = Math.min(MAX_EXECUTION_LEASES * leaseMs, MAX_EXECUTION_MS);
  }

  /** A ping from the writer's Pinger: a controller call that, when it gets through, renews the lease. */
  ping(txn: Transaction, tMs: number): void {
    if (!this.controller.reachable) this.watchLease(txn);
    this.controller.call(tMs, null, (at) => this.renewLease(txn, at), noop);
  }

  private renewLease(txn: Transaction, tMs: number): void {
    if (txn.state !== 'OPEN') return;
    const deadline = tMs + this.leaseMs;
    // The controller refuses a ping past the transaction's maximum execution time.
    if (deadline > txn.begunAtMs + this.maxExecutionMs) {
      this.watchLease(txn);
      return;
    }
    if (deadline > txn.leaseDeadlineMs) {
      txn.leaseDeadlineMs = deadline;
      if (this.ctx.listening)
        this.ctx.emit({ t: tMs, kind: 'txn-lease-renewed', ...txnRef(txn), leaseDeadlineMs: deadline });
    }
  }

  /**
   * The controller's lease timer for a transaction whose pings may stop (its writer closed or froze,
   * the controller is unreachable, or it reached its maximum execution time). A transaction pinged
   * every few seconds cannot expire, so only these get a timer, which keeps the timer queue small.
   * Lease timers never keep a run going (a finished job's leftover transactions are reported open,
   * as the controller would abort them later).
   */
  watchLease(txn: Transaction): void {
    if (txn.leaseWatched || txn.state !== 'OPEN') return;
    txn.leaseWatched = true;
    this.scheduleLeaseCheck(txn, txn.leaseDeadlineMs);
  }

  private scheduleLeaseCheck(txn: Transaction, at: number): void {
    this.ctx.scheduler.schedule(at, () => this.checkLease(txn, at), false);
  }

  private checkLease(txn: Transaction, tMs: number): void {
    if (txn.state !== 'OPEN') return;
    if (txn.leaseDeadlineMs > tMs) {
      this.scheduleLeaseCheck(txn, txn.leaseDeadlineMs);
      return;
    }
    this.expire(txn, tMs);
  }
}

function noop(): void {}
