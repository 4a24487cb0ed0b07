import type { SimContext } from '../kernel/context';
import type { Transaction } from './transaction';

/** The Pinger's first ping comes 10 ms after its first transaction (client Pinger.startPeriodicPingTxn). */
const FIRST_PING_DELAY_MS = 10;

/**
 * How often a writer pings its transactions: `lease / max(1, sqrt(lease in s))` (client
 * `Pinger.getPingInterval`), 5,477 ms for a 30 s lease. The one place the rule is written: the
 * store's timers round it to whole milliseconds, the sweep's lease precondition uses it as it is.
 */
export function pingIntervalMs(leaseMs: number): number {
  return leaseMs / Math.max(1, Math.sqrt(leaseMs / 1000));
}

/** What a Pinger needs of the store: its clock, its ping interval, and the controller's lease timers. */
export interface LeaseKeeper {
  readonly ctx: SimContext;
  readonly pingIntervalMs: number;
  ping(txn: Transaction, t: number): void;
  watchLease(txn: Transaction): void;
}

/**
 * One transactional writer's lease pinger (pravega client `Pinger`): every
 * `lease / max(1, sqrt(lease in s))` ms it pings each transaction it tracks, from 10 ms after the
 * first one. A frozen job pings nothing; when it thaws, the fixed-rate executor catches up at once.
 */
export class Pinger {
  private readonly txns = new Set<Transaction>();
  private started = false;
  private closed = false;
  private missed = false;

  constructor(
    private readonly store: LeaseKeeper,
    private readonly frozen: () => boolean,
  ) {}

  startPing(txn: Transaction, t: number): void {
    if (this.closed) return;
    txn.pinger = this;
    this.txns.add(txn);
    if (this.started) return;
    this.started = true;
    this.schedule(t + FIRST_PING_DELAY_MS);
  }

  stopPing(txn: Transaction): void {
    this.txns.delete(txn);
    txn.pinger = null;
  }

  /** The writer closed: no more pings for any of its transactions. */
  close(): void {
    this.closed = true;
    for (const txn of this.txns) {
      txn.pinger = null;
      this.store.watchLease(txn);
    }
    this.txns.clear();
  }

  /** After a pause, the pings that were due are sent at once. */
  thaw(t: number): void {
    if (!this.missed || this.closed) return;
    this.missed = false;
    this.pingAll(t);
  }

  private schedule(at: number): void {
    // Pings never keep a run going: they only matter while something else still happens.
    this.store.ctx.scheduler.schedule(at, this.tick, false);
  }

  private readonly tick = (t: number): void => {
    if (this.closed) return;
    if (this.frozen()) {
      this.missed = true;
      for (const txn of this.txns) this.store.watchLease(txn);
    } else this.pingAll(t);
    this.schedule(t + this.store.pingIntervalMs);
  };

  private pingAll(t: number): void {
    for (const txn of this.txns) {
      if (txn.state === 'OPEN') this.store.ping(txn, t);
      else this.stopPing(txn);
    }
  }
}
