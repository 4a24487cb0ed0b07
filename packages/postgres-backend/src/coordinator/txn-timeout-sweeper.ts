import { transactionalIdOf } from '@eolab/engine';
import { abortTimedOut } from '../postgres/kafka-schema';
import type { Connection } from '../task/connection';
import { kafkaTxnName } from './messages';

/**
 * Kafka's transaction coordinator looking for timed-out transactions, for PostgreSQL
 * (TransactionStateManager: every transaction.abort.timed.out.transaction.cleanup.interval.ms,
 * `kafka.abortTimedOutIntervalMs`, abortTimedOutTransactions). Each look runs
 * eolab_kafka_abort_timed_out: every ongoing transaction of the run whose first record is older
 * than transaction.timeout.ms gets its ABORT markers and its id's epoch bumped, fencing its
 * producer. Real time, unscaled, as the lease reaper counts the Pravega lease: the looks come on
 * the interval from the job's start, as the model's come from the broker's start at 0 ms.
 */
export class TxnTimeoutSweeper {
  /** Transaction name (kafkaTxnName) -> when the coordinator aborted it. */
  readonly expired = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private busy = false;

  constructor(
    private readonly admin: Connection,
    private readonly run: string,
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly log: (line: string) => void,
    /** A transaction the coordinator aborted on its timeout (the job's event stream tells it). */
    private readonly onExpired: (name: string, atMs: number) => void = () => {},
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.intervalMs);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private async sweep(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const aborted = await this.admin.run((c) => abortTimedOut(c, this.run, false));
      const atMs = Date.now();
      for (const txn of aborted) {
        const name = kafkaTxnName(this.run, txn.id, txn.epoch);
        this.expired.set(name, atMs);
        this.onExpired(name, atMs);
        this.log(
          `Transaction ${transactionalIdOf(txn.id)} (producer ${txn.producerId}, epoch ${txn.epoch}) timed out: its first record is ${Math.round(txn.openMs)} ms old, older than transaction.timeout.ms (${this.timeoutMs} ms); the coordinator aborted it and fenced its producer`,
        );
      }
    } catch {
      // The connection is gone at the end of the run, or the server is down: the next look tries again.
    } finally {
      this.busy = false;
    }
  }
}
