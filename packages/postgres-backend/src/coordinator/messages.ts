import type { Scenario, SimEvent, TxnRef } from '@eolab/engine';

/**
 * What the coordinator (the CLI process, Flink's JobManager) and the task process (a child, the
 * TaskManager running the source, the failing mapper and the sink subtasks) say to each other over
 * the fork's IPC channel. Every message is plain JSON.
 */

/** A prepared transaction a sink subtask waits to commit (Flink's pendingCommitTransactions). */
export interface PendingTxn {
  checkpointId: number;
  /** PostgreSQL's global transaction id: names the run, the checkpoint and the subtask. */
  gid: string;
  /** The attempt-local name its rows carry, to tell after a crash whether its commit happened. */
  txn: string;
  /** The data values it holds: first and last written, and how many (to explain their loss). */
  values: { first: number; last: number; count: number } | null;
  /** How the engine's events name it (a restored attempt's recovery commit tells it under that name). */
  ref?: TxnRef;
  /** Kafka: the transactional id (its number) and the producer that ran it, to resume it on restore. */
  kafka?: { id: number; producerId: number; epoch: number };
}

/** Why a task fails by itself (the coordinator's kills are its own). */
export type TaskFailedReason =
  | 'artificial-exception'
  | 'write-error'
  | 'commit-failed'
  /** Kafka: a send or a commit of a producer whose epoch moved on (ProducerFencedException). */
  | 'producer-fenced'
  /** Kafka: InitProducerId refused the transaction timeout (InvalidTxnTimeoutException). */
  | 'txn-timeout-refused';

/** An engine event without its time: the coordinator stamps it in ms since the job's start. */
export type Untimed<E> = E extends unknown ? Omit<E, 't'> : never;
export type TaskEvent = Untimed<SimEvent>;

/** What a completed checkpoint holds: the source's position and each sink subtask's pending commits. */
export interface CompletedCheckpoint {
  id: number;
  position: number;
  sinks: PendingTxn[][];
}

export interface TaskConfig {
  run: string;
  url: string;
  scenario: Scenario;
  attempt: number;
  restore: CompletedCheckpoint | null;
  /** The element the mapper throws at (start marker included), or 0: never in a restored attempt. */
  failAtElement: number;
  /** The sink subtask the rebalance partitioner starts at. */
  firstSubtask: number;
  /** The checkpoint the attempt's first transactions wait for (ids go on counting across attempts). */
  nextCheckpointId: number;
}

export type ToTask =
  | { type: 'init'; config: TaskConfig }
  /** Start the source on the schedule that began at atMs (wall clock, shared by both processes). */
  | { type: 'go'; atMs: number }
  | { type: 'trigger'; checkpointId: number }
  | { type: 'notify'; checkpointId: number; source: boolean; sinks: boolean[] }
  /** A mapper-exception fault at a time: the mapper throws at its next element. */
  | { type: 'fail-next-element' }
  /** A job pause begins: the source stops where it is and the task says so, then it is SIGSTOPped. */
  | { type: 'freeze' }
  /** After SIGCONT: the source goes on from `atMs`, without catching up on the pause. */
  | { type: 'thaw'; atMs: number }
  | { type: 'finish' };

export type FromTask =
  | { type: 'ready' }
  | { type: 'frozen' }
  | { type: 'log'; line: string; atMs: number }
  | { type: 'progress'; emitted: number; written: number; txnsBegun: number; emittedUpTo: number }
  | { type: 'ack'; checkpointId: number; task: 'source'; position: number }
  | { type: 'ack'; checkpointId: number; task: number; pending: PendingTxn[] }
  /** A sink subtask's snapshotState threw (`why`): it declines the checkpoint. */
  | { type: 'decline'; checkpointId: number; task: number; why: string }
  | {
      type: 'failed';
      reason: TaskFailedReason;
      detail: string;
      element: number | null;
      /** The source's position when it failed. */
      position?: number;
      atMs: number;
    }
  | { type: 'source-finished'; atMs: number }
  /** A protocol step of the task (markers, transactions), in the engine's vocabulary; gid names a prepared transaction. */
  | { type: 'event'; atMs: number; event: TaskEvent; gid?: string }
  /** A pending transaction found neither prepared nor committed on restore: its data is lost. */
  | { type: 'txn-lost'; subtask: number; pending: PendingTxn; atMs: number };

/** The gid of the transaction sink `subtask` pre-commits under checkpoint `checkpointId` in `run`. */
export function gidOf(run: string, checkpointId: number, subtask: number): string {
  return `${gidPrefix(run)}cp${checkpointId}-s${subtask}`;
}

/** The name of Kafka transactional id `id`'s transaction under `epoch` in `run`: the gid a Pravega transaction has. */
export function kafkaTxnName(run: string, id: number, epoch: number): string {
  return `${gidPrefix(run)}k${id}e${epoch}`;
}

export function gidPrefix(run: string): string {
  return `eolab-${run}-`;
}

/** A transaction's values as the engine's events tell them: how many, the first and the last. */
export function valueFields(values: PendingTxn['values'] | undefined) {
  return { events: values?.count ?? 0, firstValue: values?.first ?? null, lastValue: values?.last ?? null };
}
