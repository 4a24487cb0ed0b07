import type { TxnRef } from '../../events';
import type { SimContext } from '../../kernel/context';
import type { Explainer, TxnFact } from '../../run/causes';
import type { Checker } from '../checker';
import { type CommitThrown, type StoreHooks, StreamStore } from '../stream-store';
import { type KafkaTxnInfo, type Transaction, txnRef } from '../transaction';
import { PartitionLog } from './partition-log';

/**
 * Kafka behind the same store interface as Pravega (kafka-clients and brokers 2.4.1, the version
 * Flink 1.14's connector ships with). The job's writes, flushes, outages and reconnects are the
 * store's own (stream-store.ts: a broker outage is a store outage, the transaction coordinator's is
 * the controller's); what differs is here:
 *
 * - **Producer ids and epochs** (TransactionCoordinator.handleInitProducerId): each transactional
 *   id gets a producer id on its first InitProducerId, and every InitProducerId bumps its epoch.
 *   One that finds a transaction of the id ongoing aborts it and fences its producer first (the
 *   epoch goes up twice: the fence, then the client's retry). A producer with an older epoch is
 *   fenced: its sends and its commit fail with ProducerFencedException.
 * - **Timeouts, not leases** (TransactionStateManager.timedOutTransactions): nothing pings a
 *   transaction. The coordinator looks every `abortTimedOutIntervalMs` and aborts each ongoing
 *   transaction whose first record is older than `transactionTimeoutMs`, bumping the epoch
 *   (prepareFenceProducerEpoch), so its producer is fenced too. A transaction with no record yet
 *   is not ongoing at the coordinator (beginTransaction is local to the client): it never times out.
 * - **The last stable offset** (partition-log.ts): a read_committed reader reads each partition in
 *   order and stops at the first record of a transaction still open.
 * - **InitProducerId refuses a timeout above the broker's transaction.max.timeout.ms**
 *   (InvalidTxnTimeoutException).
 */

/** The coordinator's state of one transactional id. */
interface ProducerIdState {
  producerId: number;
  epoch: number;
  /** The last transaction begun under the id (ended ones stay until the next begin). */
  txn: Transaction | null;
}

/** What InitProducerId gave: the producer id and epoch, or the broker's refusal. */
export type InitResult = { producerId: number; producerEpoch: number } | { error: string };

/** A read_committed reader held this long at the last stable offset is told (a story event). */
export const LSO_STALL_MS = 1_000;

export const INVALID_TXN_TIMEOUT =
  'org.apache.kafka.common.errors.InvalidTxnTimeoutException: The transaction timeout is larger than the maximum value allowed by the broker (as configured by transaction.max.timeout.ms).';

export const PRODUCER_FENCED =
  "org.apache.kafka.common.errors.ProducerFencedException: Producer attempted an operation with an old epoch. Either there is a newer producer with the same transactionalId, or the producer's transaction has been expired by the broker.";

/**
 * The transactional id FlinkKafkaProducer gives id number n: the task's name and the operator's
 * unique id, then the number (TransactionalIdsGenerator). The lab's job names its sink "writer".
 */
export function transactionalIdOf(n: number): string {
  return `Sink: writer-${n}`;
}

export class KafkaStore extends StreamStore {
  private readonly producers = new Map<number, ProducerIdState>();
  private nextProducerId = 0;
  private readonly logs: PartitionLog[];
  /** Transactions ongoing at the coordinator (a record sent, not yet ended): what it looks at for timeouts. */
  private readonly ongoing = new Set<Transaction>();
  private sweepArmed = false;

  constructor(ctx: SimContext, checker: Checker, explainer: Explainer, hooks: StoreHooks) {
    super(ctx, checker, explainer, hooks);
    this.logs = Array.from({ length: ctx.scenario.kafka.partitions }, (_, p) => new PartitionLog(p, checker));
  }

  /** FlinkFixedPartitioner: sink subtask i writes to partition i mod partitions. */
  partitionOf(subtask: number): number {
    return subtask % this.logs.length;
  }

  /**
   * InitProducerId for transactional id number `idIndex` (KafkaProducer.initTransactions): the
   * caller made it as a coordinator call. Aborts and fences a transaction of the id still open.
   */
  initProducerId(idIndex: number, tMs: number): InitResult {
    const { transactionTimeoutMs, maxTransactionTimeoutMs } = this.ctx.scenario.kafka;
    if (transactionTimeoutMs > maxTransactionTimeoutMs) return { error: INVALID_TXN_TIMEOUT };
    let state = this.producers.get(idIndex);
    if (state === undefined) {
      state = { producerId: this.nextProducerId++, epoch: -1, txn: null };
      this.producers.set(idIndex, state);
    }
    const txn = state.txn;
    if (txn !== null && txn.state === 'OPEN') {
      // Ongoing at the coordinator: fenced and aborted, and the client's retry bumps it once more.
      state.epoch += txn.kafka!.startedAtMs >= 0 ? 2 : 1;
      this.endAborted(txn, tMs, 'fenced');
    } else state.epoch += 1;
    state.txn = null;
    return { producerId: state.producerId, producerEpoch: state.epoch };
  }

  /** beginTransaction on a producer InitProducerId just gave: the transaction the sink writes into. */
  beginOn(
    idIndex: number,
    producer: { producerId: number; producerEpoch: number },
    subtask: number,
    attempt: number,
    checkpointEpoch: number,
    tMs: number,
  ): Transaction {
    const kafka: KafkaTxnInfo = {
      idIndex,
      transactionalId: transactionalIdOf(idIndex),
      producerId: producer.producerId,
      producerEpoch: producer.producerEpoch,
      partition: this.partitionOf(subtask),
      startedAtMs: -1,
      committedAtMs: -1,
      inLog: 0,
    };
    const txn = this.createTxn(subtask, attempt, checkpointEpoch, null, tMs, kafka);
    this.producers.get(idIndex)!.txn = txn;
    return txn;
  }

  /** Whether the transaction's producer has been fenced: its id's epoch moved past its own. */
  isFenced(txn: Transaction): boolean {
    const kafka = txn.kafka!;
    return this.producers.get(kafka.idIndex)!.epoch !== kafka.producerEpoch;
  }

  /** A record goes to the broker: the first one makes the transaction ongoing (its timeout starts). */
  protected override appendToTxn(txn: Transaction, value: number, tMs: number): boolean {
    if (!super.appendToTxn(txn, value, tMs)) return false;
    const kafka = txn.kafka!;
    if (kafka.startedAtMs < 0) {
      kafka.startedAtMs = tMs;
      this.ongoing.add(txn);
      this.armSweep(tMs);
    }
    if (!this.readUncommitted) this.logs[kafka.partition]!.append(txn, value, tMs);
    return true;
  }

  /**
   * The commit (EndTxn) once the coordinator answered. FlinkKafkaProducer.commit lets a
   * ProducerFencedException escape (the task fails); recoverAndCommit catches it and only logs
   * "Presumably this transaction has been already committed before": a transaction the
   * coordinator aborted on its timeout is then lost silently.
   */
  override commitReached(
    txn: Transaction,
    checkpointId: number,
    tMs: number,
    recovery: boolean,
    _rejected: boolean,
  ): CommitThrown | null {
    if (txn.state === 'COMMITTED' || txn.state === 'COMMITTING') return null;
    this.warnIfTimeoutNear(txn, tMs);
    if (txn.state === 'OPEN' && !this.isFenced(txn)) {
      this.startCommit(txn, checkpointId, tMs, recovery);
      return null;
    }
    const kafka = txn.kafka!;
    // The task's own commit throws (a failover follows); only the restore's loses it silently.
    if (txn.expired && recovery)
      this.explainer.expiredTxnFoundAtCommit(
        txn.txnId,
        txn.expiredBeforePrecommit,
        checkpointId,
        tMs,
        recovery,
      );
    this.commitFailed(
      txn,
      checkpointId,
      tMs,
      'not-open',
      recovery
        ? `Encountered error ProducerFencedException while recovering transaction ${kafka.transactionalId} (producer ${kafka.producerId}, epoch ${kafka.producerEpoch}). Presumably this transaction has been already committed before`
        : `Committing transaction ${kafka.transactionalId} (producer ${kafka.producerId}, epoch ${kafka.producerEpoch}) failed: ProducerFencedException`,
      recovery,
    );
    return recovery ? null : { reason: 'producer-fenced', exception: PRODUCER_FENCED };
  }

  /**
   * TwoPhaseCommitSinkFunction.logWarningIfTimeoutAlmostReached, which FlinkKafkaProducer enables
   * at 0.8 of the transaction timeout (enableTransactionTimeoutWarnings), before every commit and
   * recovery commit, counted from the transaction's begin.
   */
  private warnIfTimeoutNear(txn: Transaction, tMs: number): void {
    const timeoutMs = this.ctx.scenario.kafka.transactionTimeoutMs;
    const openMs = tMs - txn.begunAtMs;
    if (openMs > 0.8 * timeoutMs)
      this.ctx.console(
        'writer',
        `Transaction ${txn.kafka!.transactionalId} has been open for ${openMs} ms. This is close to or even exceeding the transaction timeout of ${timeoutMs} ms.`,
        tMs,
      );
  }

  protected override committedVisible(txn: Transaction, tMs: number): void {
    const kafka = txn.kafka!;
    kafka.committedAtMs = tMs;
    this.logs[kafka.partition]!.advance(tMs, txn);
  }

  /** A committed transaction whose records sit behind an open one's first: read_committed readers wait. */
  protected override heldBehind(txn: Transaction): { heldBy?: TxnRef } {
    if (this.readUncommitted || txn.kafka!.inLog === 0) return {};
    // A holder already committing lands within milliseconds (the checkpoint's other commits): not told.
    const holder = this.logs[txn.kafka!.partition]!.stableAt;
    return holder === null || holder.state !== 'OPEN' ? {} : { heldBy: txnRef(holder) };
  }

  /** After its end is told: a reader released from behind it says so (a commit already read it). */
  protected override ended(txn: Transaction, tMs: number): void {
    this.ongoing.delete(txn);
    if (this.readUncommitted) return;
    const log = this.logs[txn.kafka!.partition]!;
    if (txn.state !== 'COMMITTED') log.advance(tMs, txn);
    this.tellReleased(log, tMs, txn);
  }

  protected override txnFact(txn: Transaction, tMs: number): TxnFact {
    const kafka = txn.kafka!;
    return {
      ...super.txnFact(txn, tMs),
      kafka: {
        transactionalId: kafka.transactionalId,
        producerEpoch: kafka.producerEpoch,
        timeoutMs: this.ctx.scenario.kafka.transactionTimeoutMs,
        startedAtMs: kafka.startedAtMs,
      },
    };
  }

  /**
   * The run waits for what the coordinator will still do: every ongoing transaction times out at
   * its first look after the timeout (a job that failed for good leaves some, and they hold the
   * partition's readers at the LSO until then).
   */
  override settledByMs(attempts: number): number {
    let at = super.settledByMs(attempts);
    const { transactionTimeoutMs, abortTimedOutIntervalMs } = this.ctx.scenario.kafka;
    for (const txn of this.ongoing) {
      if (txn.state !== 'OPEN') continue;
      const due = txn.kafka!.startedAtMs + transactionTimeoutMs;
      const look = (Math.floor(due / abortTimedOutIntervalMs) + 1) * abortTimedOutIntervalMs;
      // One millisecond past the look: the run's last timer must come after it, not beside it.
      at = Math.max(at, look + 1);
    }
    return at;
  }

  /**
   * A stall a person notices (LSO_STALL_MS or more) is a story event; commits of one checkpoint
   * land within milliseconds of each other, and those short waits are routine.
   */
  private tellReleased(log: PartitionLog, tMs: number, decided: Transaction): void {
    const heldMs = tMs - log.releasedCommittedAtMs;
    if (log.released === 0 || heldMs < LSO_STALL_MS) return;
    this.ctx.emit({
      t: tMs,
      kind: 'lso-released',
      partition: log.partition,
      values: log.released,
      heldMs,
      ...txnRef(decided),
    });
  }

  /** The coordinator's periodic look for timed-out transactions, from the broker's start at 0 ms. */
  private armSweep(tMs: number): void {
    if (this.sweepArmed) return;
    this.sweepArmed = true;
    const every = this.ctx.scenario.kafka.abortTimedOutIntervalMs;
    // Never essential: a job still running has its own timers, one that ended waits by settledByMs.
    this.ctx.scheduler.schedule((Math.floor(tMs / every) + 1) * every, this.sweep, false);
  }

  private readonly sweep = (tMs: number): void => {
    this.sweepArmed = false;
    const timeoutMs = this.ctx.scenario.kafka.transactionTimeoutMs;
    for (const txn of this.ongoing) {
      if (txn.state !== 'OPEN') this.ongoing.delete(txn);
      else if (txn.kafka!.startedAtMs + timeoutMs < tMs) this.timeOut(txn, tMs);
    }
    if (this.ongoing.size > 0) this.armSweep(tMs);
  };

  /** abortTimedOutTransactions: prepareFenceProducerEpoch, then the abort markers. */
  private timeOut(txn: Transaction, tMs: number): void {
    const kafka = txn.kafka!;
    const state = this.producers.get(kafka.idIndex)!;
    if (state.txn === txn) state.epoch += 1;
    this.expire(
      txn,
      tMs,
      `Transaction ${kafka.transactionalId} (producer ${kafka.producerId}, epoch ${kafka.producerEpoch}) timed out: its first record is older than transaction.timeout.ms (${this.ctx.scenario.kafka.transactionTimeoutMs} ms); the coordinator aborted it and fenced its producer`,
    );
  }
}
