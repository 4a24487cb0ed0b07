import { invariant } from '../../kernel/context';
import type { Continuation } from '../retry';
import { type InitStep, type SinkSubtask, type SinkTask, TransactionalWriter } from '../sink-writers';
import type { TaskFailure } from '../task';
import type { Transaction } from '../transaction';
import { KafkaStore, PRODUCER_FENCED } from './kafka-store';

/**
 * FlinkKafkaProducer in Semantic.EXACTLY_ONCE (flink-connector-kafka 1.14.6): the same
 * TwoPhaseCommitSinkFunction as the Pravega writer (one transaction per subtask per checkpoint,
 * pre-committed at the barrier, committed on the notification), with Kafka's producers:
 *
 * - Each subtask owns a pool of `producerPoolSize` transactional ids (TransactionalIdsGenerator:
 *   subtask i uses ids i x pool .. (i + 1) x pool - 1). beginTransaction polls one from the pool and
 *   runs InitProducerId on it (createTransactionalProducer: initTransactions), which fences any
 *   earlier producer of the id; a commit or an abort gives the id back (recycleTransactionalProducer).
 *   With no id left, snapshotState throws "Too many ongoing snapshots" and the checkpoint is declined.
 * - initializeState: a first run (or one restored from no checkpoint) runs InitProducerId on every
 *   id of its pool first (abortTransactions), aborting what an earlier attempt left open. A restored
 *   one commits the checkpoint's pending transactions (recoverAndCommit: resumeTransaction with the
 *   stored producer id and epoch, then commit; fenced means "already committed", only logged),
 *   aborts its open one (recoverAndAbort: InitProducerId), then every other id of the pool
 *   (finishRecoveringContext, cleanUpUserContext).
 * - A fenced producer's sends fail with ProducerFencedException, which fails its task.
 *
 * Ids are polled in ascending order (the connector keeps them in a HashSet, whose order is fixed
 * but not this one); the ids a first run aborts beyond its pool (SAFE_SCALE_DOWN_FACTOR) never held
 * a transaction in the lab and are left out.
 */
export class KafkaTransactionalWriter extends TransactionalWriter {
  /** Each subtask's available transactional ids (FlinkKafkaProducer.availableTransactionalIds). */
  private readonly pools: number[][];
  private readonly kafka: KafkaStore;

  constructor(task: SinkTask) {
    super(task, false);
    invariant(task.store instanceof KafkaStore, 'the Kafka writer needs the Kafka store');
    this.kafka = task.store;
    const size = task.ctx.scenario.kafka.producerPoolSize;
    this.pools = this.sinks.map((sink) => poolOf(sink.index, size));
  }

  protected override initializeSteps(): InitStep[] {
    const restored = this.task.restoredFrom;
    const size = this.task.ctx.scenario.kafka.producerPoolSize;
    const steps: InitStep[] = [];
    const handled = new Set<number>();
    for (const snapshot of restored?.sinks ?? []) {
      for (const { checkpointId, txn } of snapshot.pending) {
        handled.add(txn.kafka!.idIndex);
        steps.push((at, next) => this.commitOne(txn, checkpointId, at, true, next));
      }
      const open = snapshot.current;
      if (open !== null) {
        handled.add(open.kafka!.idIndex);
        steps.push((at, next) => this.initProducerIds([open.kafka!.idIndex], at, next));
      }
    }
    const others = this.sinks.flatMap((sink) => poolOf(sink.index, size).filter((id) => !handled.has(id)));
    const cleanUp: InitStep = (at, next) => this.initProducerIds(others, at, next);
    // A first run aborts lingering transactions before anything else; a restored one after recovering.
    if (restored === null) steps.unshift(cleanUp);
    else steps.push(cleanUp);
    for (const sink of this.sinks) steps.push((at, next) => this.beginFor(sink, at, next));
    return steps;
  }

  /** snapshotState with no transactional id left: it throws, and the subtask declines the checkpoint. */
  override barrier(sink: SinkSubtask, checkpointId: number, t: number): void {
    if (this.pools[sink.index]!.length > 0) {
      super.barrier(sink, checkpointId, t);
      return;
    }
    this.task.decline(
      checkpointId,
      t,
      `sink ${sink.index}: Too many ongoing snapshots. Increase kafka producers pool size or decrease number of concurrent checkpoints.`,
    );
  }

  /** beginTransaction: an id from the pool, InitProducerId on it, then a transaction on that producer. */
  protected override beginFor(sink: SinkSubtask, t: number, next: Continuation): void {
    // snapshotState pre-commits before it begins: a fenced producer's flush throws first, so a
    // fenced zombie never reaches InitProducerId (which would fence the live attempt in turn).
    const preCommitted = sink.current === null ? sink.pending.at(-1)?.txn : undefined;
    if (preCommitted !== undefined && preCommitted.state === 'ABORTED') {
      this.fail(
        t,
        'producer-fenced',
        `sink ${sink.index}: flush of transaction ${preCommitted.txnId} failed: ${PRODUCER_FENCED}`,
      );
      return;
    }
    const id = this.pools[sink.index]!.shift();
    invariant(id !== undefined, 'a transaction begun with no transactional id left');
    this.coordinatorCall(t, (at) => {
      const producer = this.initProducerId(id, at, `sink ${sink.index}`);
      if (producer === null) return;
      sink.current = this.kafka.beginOn(
        id,
        producer,
        sink.index,
        this.task.id,
        this.task.hooks.nextCheckpointId(),
        at,
      );
      next(at);
    });
  }

  /** A fenced producer's send fails (ProducerFencedException), and so its task. */
  override write(sink: SinkSubtask, value: number, t: number): TaskFailure | null {
    if (sink.current?.state === 'ABORTED')
      return { t, reason: 'producer-fenced', detail: `sink ${sink.index}: ${PRODUCER_FENCED}` };
    return super.write(sink, value, t);
  }

  override get batchable(): boolean {
    if (!super.batchable) return false;
    for (const sink of this.sinks) if (sink.current?.state === 'ABORTED') return false;
    return true;
  }

  protected override recycle(txn: Transaction): void {
    this.pools[txn.subtask]!.push(txn.kafka!.idIndex);
  }

  /** InitProducerId for each of `ids` (abortTransactions, recoverAndAbort, cleanUpUserContext). */
  private initProducerIds(ids: readonly number[], t: number, next: Continuation): void {
    this.coordinatorCall(t, (at) => {
      for (const id of ids) if (this.initProducerId(id, at, 'initTransactions') === null) return;
      next(at);
    });
  }

  /** InitProducerId on one id: its producer, or null when the broker refused the timeout (the task failed). */
  private initProducerId(
    id: number,
    t: number,
    who: string,
  ): { producerId: number; producerEpoch: number } | null {
    const result = this.kafka.initProducerId(id, t);
    if (!('error' in result)) return result;
    this.fail(t, 'txn-timeout-refused', `${who}: ${result.error}`);
    return null;
  }

  /**
   * A call to the transaction coordinator, retried while it is unreachable (up to max.block.ms);
   * `next` once it answered. Retries that run out fail the task.
   */
  private coordinatorCall(t: number, next: Continuation): void {
    if (this.kafka.answersNow) {
      next(t);
      return;
    }
    this.callOrFail(
      (returned, exhausted) =>
        this.kafka.controller.call(
          t,
          { call: 'txn-begin', subtask: -1, attempt: this.task.id, txnId: null },
          returned,
          exhausted,
        ),
      next,
      'txn-begin-failed',
      'initTransactions: the transaction coordinator did not answer within max.block.ms',
    );
  }
}

/** Subtask `subtask`'s transactional ids (TransactionalIdsGenerator.generateIdsToUse from 0). */
function poolOf(subtask: number, size: number): number[] {
  return Array.from({ length: size }, (_, k) => subtask * size + k);
}
