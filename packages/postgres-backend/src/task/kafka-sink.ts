import {
  INVALID_TXN_TIMEOUT,
  PRODUCER_FENCED,
  type Scenario,
  type TxnRef,
  transactionalIdOf,
} from '@eolab/engine';
import { kafkaTxnName, type PendingTxn, valueFields } from '../coordinator/messages';
import {
  type EndTxnOutcome,
  endTxn,
  initProducerId,
  isInvalidTxnTimeout,
  type KafkaProducer,
} from '../postgres/kafka-schema';
import type { Connection } from './connection';
import {
  abortedByName,
  commitFoundClosed,
  committedEvent,
  connectionFor,
  PlainSink,
  recoveredEvents,
  type SinkContext,
  type SinkSubtask,
  type Write,
} from './sinks';

/**
 * FlinkKafkaProducer's three Semantics over the Kafka imitation on PostgreSQL
 * (postgres/kafka-schema.ts), as the engine's KafkaTransactionalWriter runs them
 * (packages/engine/src/model/kafka/kafka-writer.ts). NONE and AT_LEAST_ONCE are the plain sink's
 * autocommit sends, into the partition log; EXACTLY_ONCE is KafkaTransactionalSink.
 */
export function kafkaSinkFor(scenario: Scenario, subtask: number, ctx: SinkContext): SinkSubtask {
  if (scenario.mode === 'EXACTLY_ONCE') return new KafkaTransactionalSink(scenario, subtask, ctx);
  const partition = partitionOf(scenario, subtask);
  return new PlainSink(scenario.mode, subtask, ctx, (client, write, again) =>
    client.query(PRODUCE, [
      ctx.run,
      null,
      null,
      partition,
      write.value,
      subtask,
      ctx.attempt,
      write.emittedAtMs,
      again,
    ]),
  );
}

const PRODUCE = 'SELECT eolab_kafka_produce($1, $2, $3, $4, $5, $6, $7, $8, $9) AS ok';

/** FlinkFixedPartitioner: sink subtask i writes to partition i mod partitions. */
function partitionOf(scenario: Scenario, subtask: number): number {
  return subtask % scenario.kafka.partitions;
}

/** Subtask `subtask`'s transactional ids (TransactionalIdsGenerator.generateIdsToUse from 0), as the model's poolOf. */
function poolOf(subtask: number, size: number): number[] {
  return Array.from({ length: size }, (_, k) => subtask * size + k);
}

/** One Flink transaction: an id from the pool, the producer InitProducerId gave it, its records. */
interface KafkaTxn {
  id: number;
  /** Null until InitProducerId answered: records wait in `writes`. */
  producer: KafkaProducer | null;
  writes: Write[];
  unacked: number;
  ref: TxnRef;
  values: PendingTxn['values'];
  /** Barriers waiting for every record sent to be acknowledged (the pre-commit's flush). */
  flushWaiters: (() => void)[];
}

/** A commit that failed, to fail the task once every pending commit was tried. */
interface CommitFailure {
  reason: 'producer-fenced' | 'commit-failed';
  detail: string;
}

/**
 * Semantic.EXACTLY_ONCE: a transaction per checkpoint on a producer fresh from InitProducerId,
 * pre-committed (flushed) at the barrier, committed (EndTxn) on the notification. Records are
 * sent one by one in autocommit, each appended to the partition log at once if the producer's
 * epoch is still the id's (else ProducerFencedException fails the task), so a crashed task's
 * transaction stays open in the log, holding read_committed readers, until a restore's
 * InitProducerId or the coordinator's timeout aborts it. Two connections: the producer's sends,
 * and its calls to the transaction coordinator (InitProducerId, EndTxn), which retry on
 * `controllerRetry` (max.block.ms).
 */
class KafkaTransactionalSink implements SinkSubtask {
  private data!: Connection;
  private coordinator!: Connection;
  /** FlinkKafkaProducer.availableTransactionalIds, polled in ascending order as the model does. */
  private readonly pool: number[];
  private current: KafkaTxn | null = null;
  /** Pre-committed, its flush under way: its unacknowledged records are resent after a reconnect too. */
  private flushing: KafkaTxn | null = null;
  private pending: PendingTxn[] = [];
  private commits: Promise<void> = Promise.resolve();
  /** The checkpoint the open transaction waits for (its epoch in the engine's events). */
  private waitsFor: number;
  private begun = 0;
  private readonly partition: number;
  /** Each transaction's InitProducerId: true once its producer is there, false when it failed (the task failed). */
  private readonly readyOf = new Map<KafkaTxn, Promise<boolean>>();

  constructor(
    private readonly scenario: Scenario,
    private readonly subtask: number,
    private readonly ctx: SinkContext,
  ) {
    this.pool = poolOf(subtask, scenario.kafka.producerPoolSize);
    this.waitsFor = ctx.nextCheckpointId;
    this.partition = partitionOf(scenario, subtask);
  }

  /**
   * initializeState: a first run aborts what earlier runs left open on its ids (abortTransactions:
   * InitProducerId on each); a restored one commits the checkpoint's pending transactions
   * (recoverAndCommit), then runs InitProducerId on every other id (recoverAndAbort of the one
   * open at the snapshot, cleanUpUserContext of the rest). Then the first transaction.
   */
  async start(restored: PendingTxn[] | null): Promise<void> {
    this.data = connectionFor(this.subtask, 'producer', this.ctx, () => {
      for (const txn of [this.flushing, this.current]) if (txn !== null) this.sendUnacked(txn, true);
      return undefined;
    });
    const coordinatorCtx = { ...this.ctx, writerRetry: this.scenario.sink.controllerRetry };
    this.coordinator = connectionFor(this.subtask, 'coordinator', coordinatorCtx, () => undefined);
    await Promise.all([this.data.open(), this.coordinator.open()]);
    const recovered = new Set<number>();
    for (const txn of restored ?? []) {
      await this.recoverAndCommit(txn);
      if (txn.kafka !== undefined) recovered.add(txn.kafka.id);
    }
    for (const id of this.pool) {
      if (recovered.has(id)) continue;
      if ((await this.initProducer(id, 'initTransactions')) === null)
        throw new Error('InitProducerId failed');
    }
    const first = this.open();
    if (!(await this.ready(first))) throw new Error('InitProducerId failed');
  }

  /** InitProducerId on `id`: its producer, or null when the broker refused the timeout (the task failed). */
  private async initProducer(id: number, who: string): Promise<KafkaProducer | null> {
    const { transactionTimeoutMs, maxTransactionTimeoutMs } = this.scenario.kafka;
    try {
      const producer = await this.coordinator.run((c) =>
        initProducerId(c, this.ctx.run, id, transactionTimeoutMs, maxTransactionTimeoutMs),
      );
      if (producer.abortedEpoch !== null) {
        this.ctx.log(
          `InitProducerId on ${transactionalIdOf(id)} aborted its ongoing transaction (epoch ${producer.abortedEpoch}) and fenced its producer`,
        );
        // Its begin (or pre-commit) named it: the coordinator fills in the ref (unknown: not drawn).
        abortedByName(
          this.ctx,
          this.subtask,
          'fenced',
          kafkaTxnName(this.ctx.run, id, producer.abortedEpoch),
        );
      }
      return producer;
    } catch (error) {
      if (isInvalidTxnTimeout(error)) this.ctx.fail('txn-timeout-refused', `${who}: ${INVALID_TXN_TIMEOUT}`);
      else
        this.ctx.fail(
          'write-error',
          `${who}: InitProducerId on ${transactionalIdOf(id)} failed: ${(error as Error).message}`,
        );
      return null;
    }
  }

  /**
   * recoverAndCommit: resume the transaction with its stored producer id and epoch, and commit.
   * Already committed is a no-op; fenced is only logged ("Presumably this transaction has been
   * already committed before"): a transaction the coordinator aborted is then lost silently.
   */
  private async recoverAndCommit(txn: PendingTxn): Promise<void> {
    const k = txn.kafka;
    if (k === undefined) return;
    const outcome = await this.coordinator.run((c) => endTxn(c, this.ctx.run, k.id, k.epoch, true));
    if (outcome === 'committed') recoveredEvents(this.ctx, txn);
    else if (outcome === 'fenced-aborted') {
      this.ctx.lost(txn);
      this.ctx.log(
        `Encountered error ProducerFencedException while recovering transaction ${transactionalIdOf(k.id)} (producer ${k.producerId}, epoch ${k.epoch}). Presumably this transaction has been already committed before`,
      );
      commitFoundClosed(this.ctx, txn, 'ABORTED');
    }
  }

  /**
   * beginTransaction: the next id from the pool; its InitProducerId runs at once, or, for the
   * transaction a barrier opens, once the previous one's flush is through (`deferInit`).
   */
  private open(deferInit = false): KafkaTxn {
    const id = this.pool.shift()!;
    this.begun++;
    // A number unique in the run: attempt, transaction within it, subtask (at most 16).
    const txnId = (this.ctx.attempt * 100_000 + this.begun) * 16 + this.subtask;
    const txn: KafkaTxn = {
      id,
      producer: null,
      writes: [],
      unacked: 0,
      ref: { txnId, subtask: this.subtask, attempt: this.ctx.attempt, epoch: this.waitsFor },
      values: null,
      flushWaiters: [],
    };
    this.current = txn;
    this.ctx.txnBegun();
    if (!deferInit) this.readyOf.set(txn, this.produceOn(txn));
    return txn;
  }

  private ready(txn: KafkaTxn): Promise<boolean> {
    let ready = this.readyOf.get(txn);
    if (ready === undefined) {
      ready = this.produceOn(txn);
      this.readyOf.set(txn, ready);
    }
    return ready;
  }

  /** InitProducerId for the transaction, then its records waiting so far go out. */
  private async produceOn(txn: KafkaTxn): Promise<boolean> {
    const producer = await this.initProducer(txn.id, `sink ${this.subtask}`);
    if (producer === null) return false;
    txn.producer = producer;
    // Told once it has its producer: its name (id and epoch) lets a later abort or timeout be drawn.
    this.ctx.event({ kind: 'txn-begun', ...txn.ref }, kafkaTxnName(this.ctx.run, txn.id, producer.epoch));
    this.sendUnacked(txn, false);
    return true;
  }

  write(value: number, emittedAtMs: number): void {
    const txn = this.current!;
    if (value > 0) {
      const v = txn.values;
      txn.values =
        v === null ? { first: value, last: value, count: 1 } : { ...v, last: value, count: v.count + 1 };
    }
    const write = { value, emittedAtMs, acked: false };
    txn.writes.push(write);
    txn.unacked++;
    if (txn.producer !== null) this.send(txn, write, false);
  }

  private sendUnacked(txn: KafkaTxn, again: boolean): void {
    if (txn.producer === null) return;
    for (const write of txn.writes) if (!write.acked) this.send(txn, write, again);
  }

  /** One record to the partition log; a fenced producer's send fails the task. */
  private send(txn: KafkaTxn, write: Write, again: boolean): void {
    const client = this.data.now;
    if (client === null || txn.producer === null) return;
    const tag = this.data.tag;
    const params = [
      this.ctx.run,
      txn.id,
      txn.producer.epoch,
      this.partition,
      write.value,
      this.subtask,
      this.ctx.attempt,
      write.emittedAtMs,
      again,
    ];
    client.query(PRODUCE, params).then(
      (result) => {
        if (result.rows[0].ok !== true) {
          this.ctx.fail('producer-fenced', `sink ${this.subtask}: ${PRODUCER_FENCED}`);
          return;
        }
        if (write.acked) return;
        write.acked = true;
        txn.unacked--;
        this.ctx.written(write.value);
        if (txn.unacked === 0) for (const done of txn.flushWaiters.splice(0)) done();
      },
      (error: Error) => {
        if (this.data.failed(tag, error)) return;
        this.ctx.fail('write-error', `send of ${write.value} failed: ${error.message}`);
      },
    );
  }

  /** flush(): every record of the transaction acknowledged (across reconnects). */
  private flushed(txn: KafkaTxn): Promise<void> {
    if (txn.unacked === 0) return Promise.resolve();
    return new Promise((done) => txn.flushWaiters.push(done));
  }

  /**
   * snapshotState: with no transactional id left it throws "Too many ongoing snapshots" and the
   * subtask declines the checkpoint. Otherwise the open transaction is pre-committed (flushed) and
   * kept pending, and the next one opens: records after the barrier go into it, and wait for its
   * InitProducerId, which runs once the flush is through (a fenced producer's flush fails first).
   */
  async barrier(checkpointId: number): Promise<PendingTxn[] | { declined: string }> {
    if (this.pool.length === 0)
      return {
        declined: `sink ${this.subtask}: Too many ongoing snapshots. Increase kafka producers pool size or decrease number of concurrent checkpoints.`,
      };
    const txn = this.current!;
    this.waitsFor = checkpointId + 1;
    const next = this.open(true);
    this.flushing = txn;
    if (!(await this.ready(txn))) return new Promise(() => {});
    await this.flushed(txn);
    this.flushing = null;
    // Pre-committed: its records are acknowledged and no longer kept.
    this.readyOf.delete(txn);
    if (!(await this.ready(next))) return new Promise(() => {});
    const producer = txn.producer!;
    const ref = { ...txn.ref, epoch: checkpointId };
    const gid = kafkaTxnName(this.ctx.run, txn.id, producer.epoch);
    const v = txn.values;
    this.ctx.event(
      {
        kind: 'txn-flushed',
        ...ref,
        checkpointId,
        ...valueFields(v),
      },
      gid,
    );
    this.pending.push({
      checkpointId,
      gid,
      txn: `a${this.ctx.attempt}-s${this.subtask}-k${txn.id}e${producer.epoch}`,
      values: v,
      ref,
      kafka: { id: txn.id, producerId: producer.producerId, epoch: producer.epoch },
    });
    return [...this.pending];
  }

  /**
   * notifyCheckpointComplete: EndTxn(commit) for every pending transaction up to the checkpoint,
   * in order, each id going back to the pool. The task's own commit lets ProducerFencedException
   * escape: as TwoPhaseCommitSinkFunction does, every pending one is tried, then the first
   * failure fails the task.
   */
  notify(checkpointId: number): void {
    this.commits = this.commits.then(async () => {
      let firstFailure: CommitFailure | null = null;
      while (this.pending.length > 0 && this.pending[0]!.checkpointId <= checkpointId) {
        const txn = this.pending.shift()!;
        const k = txn.kafka!;
        if (txn.ref !== undefined)
          this.ctx.event({
            kind: 'txn-committing',
            ...txn.ref,
            checkpointId: txn.checkpointId,
            recovery: false,
          });
        let outcome: EndTxnOutcome;
        try {
          outcome = await this.coordinator.run((c) => endTxn(c, this.ctx.run, k.id, k.epoch, true));
        } catch (error) {
          firstFailure ??= {
            reason: 'commit-failed',
            detail: `Failed to commit transaction ${transactionalIdOf(k.id)}: ${(error as Error).message}`,
          };
          this.pool.push(k.id);
          continue;
        }
        this.pool.push(k.id);
        if (outcome === 'committed' || outcome === 'empty') committedEvent(this.ctx, txn);
        else if (outcome.startsWith('fenced-')) {
          commitFoundClosed(this.ctx, txn, outcome === 'fenced-committed' ? 'COMMITTED' : 'ABORTED');
          firstFailure ??= {
            reason: 'producer-fenced',
            detail: `Committing transaction ${transactionalIdOf(k.id)} (producer ${k.producerId}, epoch ${k.epoch}) failed: ProducerFencedException`,
          };
        }
      }
      if (firstFailure !== null) this.ctx.fail(firstFailure.reason, firstFailure.detail);
    });
  }

  /**
   * close() (TwoPhaseCommitSinkFunction.close): the open transaction is aborted (EndTxn abort,
   * not retried: a closing task does not wait out an outage); pre-committed ones are left for
   * recovery or the coordinator's timeout.
   */
  async close(why: 'task-closed' | 'end-of-input'): Promise<void> {
    await this.commits;
    const txn = this.current;
    const producer = txn?.producer ?? null;
    const client = this.coordinator?.now ?? null;
    if (txn !== null && producer !== null && client !== null) {
      await endTxn(client, this.ctx.run, txn.id, producer.epoch, false).catch(() => {});
      const v = txn.values;
      this.ctx.event({
        kind: 'txn-aborted',
        ...txn.ref,
        ...valueFields(v),
        why,
      });
    }
    await Promise.all([this.data?.end(), this.coordinator?.end()]);
  }
}
