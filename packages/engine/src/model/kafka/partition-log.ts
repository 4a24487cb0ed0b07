import { TripleQueue } from '../../kernel/ring';
import { readSource, Via } from '../../run/causes';
import type { Checker } from '../checker';
import type { Transaction } from '../transaction';

/**
 * One partition of the topic as a read_committed consumer sees it (Kafka's log layer): every
 * transactional record is appended to the log when it is sent, in the order the broker gets
 * them, whichever producer sent it. The consumer reads up to the last stable offset (LSO): the
 * first offset of the oldest transaction still open. Records of committed transactions before it
 * are delivered, records of aborted ones are skipped (the abort marker), and everything from the
 * LSO on waits, however it ends, including other producers' committed records behind it
 * (Log.lastStableOffset, Partition.fetchOffsetSnapshot; the consumer's fetch isolation level
 * FetchTxnCommitted).
 *
 * A record takes its place when it is sent: the milliseconds until the broker has it
 * (writeLatencyMs) do not move records of two producers past one another.
 */
export class PartitionLog {
  /** Records the consumer has not passed yet: value, send time, and the txnId of its transaction. */
  private readonly records = new TripleQueue(64);
  /** The transactions with records in `records`, by txnId. */
  private readonly txns = new Map<number, Transaction>();
  /** What the last `advance` released from behind another transaction: how many values, committed since when. */
  released = 0;
  releasedCommittedAtMs = Number.POSITIVE_INFINITY;

  constructor(
    readonly partition: number,
    private readonly checker: Checker,
  ) {}

  append(txn: Transaction, value: number, tMs: number): void {
    const kafka = txn.kafka!;
    if (kafka.inLog === 0) this.txns.set(txn.txnId, txn);
    kafka.inLog++;
    this.records.push(value, tMs, txn.txnId);
  }

  /** The transaction whose first record is the LSO, or null when the consumer is at the end of the log. */
  get stableAt(): Transaction | null {
    return this.records.length === 0 ? null : this.txns.get(this.records.headTag())!;
  }

  /**
   * A transaction was decided at tMs: the consumer moves over every decided record from its
   * position, delivering committed ones at tMs, until it reaches an open transaction's record.
   * `released` then counts the values it delivered that had waited behind another transaction.
   */
  advance(tMs: number, decided: Transaction): void {
    const records = this.records;
    this.released = 0;
    this.releasedCommittedAtMs = Number.POSITIVE_INFINITY;
    while (records.length > 0) {
      const txn = this.txns.get(records.headTag())!;
      if (txn.state === 'COMMITTED') {
        const value = records.headValue();
        if (txn !== decided && value > 0) {
          this.released++;
          this.releasedCommittedAtMs = Math.min(this.releasedCommittedAtMs, txn.kafka!.committedAtMs);
        }
        this.checker.read(value, tMs, readSource(txn.attempt, Via.committed));
      } else if (txn.state !== 'ABORTED') break;
      records.shift();
      const kafka = txn.kafka!;
      kafka.inLog--;
      if (kafka.inLog === 0) this.txns.delete(txn.txnId);
    }
  }
}
