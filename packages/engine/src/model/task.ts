import type { TaskFailureReason } from '../events';
import type { Transaction } from './transaction';

/**
 * What a task saves in a checkpoint, how it fails, and what a sink asks of the job around it: the
 * words the attempt, its sink writers and the coordinator share. They live apart from the attempt
 * so the sink writers need not import it (the attempt builds its sink writer).
 */

/** What a transactional sink subtask saves in a checkpoint (Flink's TwoPhaseCommitSinkFunction state). */
export interface SinkSnapshot {
  pending: { checkpointId: number; txn: Transaction }[];
  current: Transaction | null;
}

export interface CompletedCheckpoint {
  id: number;
  position: number;
  /** One entry per sink subtask in EXACTLY_ONCE; empty in the other modes (their sinks keep no state). */
  sinks: SinkSnapshot[];
  completedAtMs: number;
}

export interface TaskFailure {
  t: number;
  reason: TaskFailureReason;
  /** The element the sample's mapper threw at, for its artificial exception. */
  element?: number;
  detail: string;
}

/** What a sink writer asks of the job around it. */
export interface SinkHooks {
  /** The id the coordinator gives its next checkpoint: a new transaction's epoch. */
  nextCheckpointId(): number;
  /** Whether the store answers the commit of this checkpoint's transaction with TxnFailedException. */
  commitRejected(checkpointId: number, subtask: number, t: number): boolean;
}
