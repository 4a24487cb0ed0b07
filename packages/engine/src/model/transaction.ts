import type { TxnRef, TxnState } from '../events';
import { END_MARKER, START_MARKER } from '../kernel/context';

/**
 * A transaction as the store keeps it: its state, the events written into it (a typed array the
 * store reuses), the checkpoint it belongs to, and its lease (Pravega) or producer (Kafka).
 */
/**
 * A Kafka transaction's producer (model/kafka/): its transactional id (one of its sink subtask's
 * pool), the producer id and epoch InitProducerId gave it, its partition, and when its first
 * record reached the broker (the coordinator's txnStartTimestamp; -1 while it has none).
 */
export interface KafkaTxnInfo {
  /** The transactional id's number in FlinkKafkaProducer's ids (TransactionalIdsGenerator). */
  idIndex: number;
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  partition: number;
  startedAtMs: number;
  /** When its commit completed (-1 until then). */
  committedAtMs: number;
  /** Its records still in the partition log, waiting for a read_committed reader to pass them. */
  inLog: number;
}

/** The producer fields a Kafka transaction's events carry. */
export function producerOf(kafka: KafkaTxnInfo): {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  partition: number;
} {
  return {
    transactionalId: kafka.transactionalId,
    producerId: kafka.producerId,
    producerEpoch: kafka.producerEpoch,
    partition: kafka.partition,
  };
}

/** What a transaction knows of the Pinger pinging it: how to stop (model/pinger.ts). */
export interface TxnPinger {
  stopPing(txn: Transaction): void;
}

export class Transaction implements TxnRef {
  state: TxnState = 'OPEN';
  /** The events written into it, in order: values[0..length). */
  values: Int32Array;
  length = 0;
  /** Data values written into it (markers excluded). */
  dataCount = 0;
  /** Set when a write into it failed; its flush fails. */
  writeFailed = false;
  /** The controller aborted it when its lease ran out. */
  expired = false;
  /** It expired while still the open transaction, before its pre-commit flush. */
  expiredBeforePrecommit = false;
  /** Written while the writers were disconnected: its flush waits for the reconnect. */
  unsent = false;
  /** The checkpoint it was pre-committed under, once flushed. */
  checkpointId: number | null = null;
  /** The controller's lease deadline: the last successful ping (or the begin) plus the lease. */
  leaseDeadlineMs: number;
  /** The writer's Pinger while it pings this transaction. */
  pinger: TxnPinger | null = null;
  /** Whether the controller's lease timer is being watched (only once its pings may stop). */
  leaseWatched = false;
  /** Its Kafka producer (null in Pravega). */
  kafka: KafkaTxnInfo | null = null;

  constructor(
    readonly txnId: number,
    readonly subtask: number,
    readonly attempt: number,
    /** The checkpoint it will be pre-committed under (see TxnRef). */
    public epoch: number,
    readonly begunAtMs: number,
    leaseMs: number,
    buffer: Int32Array,
  ) {
    this.values = buffer;
    this.leaseDeadlineMs = begunAtMs + leaseMs;
  }

  append(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Int32Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }
}

/** The fields every transaction event names it by. */
export function txnRef(txn: Transaction): TxnRef {
  return { txnId: txn.txnId, subtask: txn.subtask, attempt: txn.attempt, epoch: txn.epoch };
}

/** The first data value of a transaction's values (markers skipped), or null. */
export function firstData(values: Int32Array, length: number): number | null {
  for (let i = 0; i < length; i++) {
    const v = values[i]!;
    if (v !== START_MARKER && v !== END_MARKER) return v;
  }
  return null;
}

/** The last data value of a transaction's values (markers skipped), or null. */
export function lastData(values: Int32Array, length: number): number | null {
  for (let i = length - 1; i >= 0; i--) {
    const v = values[i]!;
    if (v !== START_MARKER && v !== END_MARKER) return v;
  }
  return null;
}
