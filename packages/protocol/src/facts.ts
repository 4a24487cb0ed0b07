import { z } from 'zod';

/**
 * Whole facts about a run's checkpoints and transactions: the server records every one of them
 * from every event the run emits (those thinned out of deltas included), so a long run's history
 * is counted whole, not from the window of events a browser holds. Paged over REST:
 * `GET /api/runs/:id/checkpoints` and `GET /api/runs/:id/transactions`.
 */

/** At most this many items in one page. */
export const MAX_FACTS_PAGE = 200;

export type CheckpointStatus = 'in progress' | 'completed' | 'declined' | 'expired' | 'abandoned';

/** One checkpoint, as Flink's checkpoint history shows it. Times are virtual ms; null when unknown. */
export interface CheckpointFact {
  id: number;
  status: CheckpointStatus;
  /** When the source snapshotted its position (null for one aborted before it could). */
  triggeredMs: number | null;
  /** The source's saved position (null until it snapshotted). */
  position: number | null;
  /** When it completed or was aborted. */
  endedMs: number | null;
  durationMs: number | null;
  /** Why it was aborted: declined, timeout, job-failover, job-finished. */
  reason: string | null;
  /**
   * Tasks that acknowledged it, of all the tasks (the source and every sink subtask); null for one
   * in progress at a scrubbed time (`atMs`): acknowledgements' times are not kept.
   */
  acknowledged: number | null;
  tasks: number;
  /**
   * The tasks (`source`, `sink-0`...) whose acknowledgement it never got: who a checkpoint in
   * progress waits for, or who an aborted one was still waiting for. Empty once completed.
   */
  unacknowledged: string[];
  /** Tasks told it completed (notifyCheckpointComplete). */
  notified: number;
  /** Attempts restored from it. */
  restoredBy: number[];
  /** Transactions a restored attempt committed again under it (recoverAndCommit). */
  committedOnRecovery: number;
}

/** Counts over every checkpoint of the run; the first four are the report's `checkpoints`. */
export interface CheckpointCounts {
  triggered: number;
  completed: number;
  /** Every abort; `failed` (declined or expired) is part of it. */
  aborted: number;
  failed: number;
  inProgress: number;
  /** Restores from a checkpoint (a fresh restart restores from none). */
  restores: number;
}

export type TxnFactState = 'OPEN' | 'PRE-COMMITTED' | 'COMMITTING' | 'COMMITTED' | 'ABORTED' | 'EXPIRED';

/** One store transaction, as a Pravega operator would inspect it. Times are virtual ms; null when not (yet) reached. */
export interface TxnFact {
  /** `cp5·s0`, with `·a2` for a later attempt (the engine's txnName). */
  name: string;
  txnId: number;
  subtask: number;
  attempt: number;
  /** The checkpoint it is (or will be) pre-committed under. */
  checkpointId: number;
  state: TxnFactState;
  openedMs: number | null;
  preCommittedMs: number | null;
  committingMs: number | null;
  endedMs: number | null;
  /** When the controller would abort it unless pinged again (null when no begin or ping was seen). */
  leaseDeadlineMs: number | null;
  /** Committed by a restored attempt (recoverAndCommit). */
  recovery: boolean;
  /** Why it ended when it did not commit, or why a commit call failed. */
  why: string | null;
  /** Data values it holds (markers excluded). */
  events: number;
  firstValue: number | null;
  lastValue: number | null;
}

/** Counts over every transaction of the run; all but `preCommitted` and `committing` are the report's `transactions`. */
export interface TxnCounts {
  begun: number;
  committed: number;
  aborted: number;
  expired: number;
  commitFailed: number;
  /** Still open in the store (collecting, pre-committed or committing). */
  open: number;
  preCommitted: number;
  committing: number;
}

/**
 * A page of a run's facts: `total` is how many match the query, `counts` are over the whole run
 * (equal to its report's once it has one; with `atMs`, as they stood then). `complete` is false only for a run stored before the
 * server kept facts, or one interrupted before its end: its facts then come from its stored events.
 */
export interface FactsPage<T, C> {
  items: T[];
  offset: number;
  total: number;
  counts: C;
  complete: boolean;
}

/**
 * End-to-end durations of every completed checkpoint of the run (ms). The percentiles come from a
 * histogram of them (the engine's LatencyHistogram): exact below 128 ms, within about 6% above.
 */
export interface DurationSummary {
  min: number;
  avg: number;
  max: number;
  count: number;
  p50: number;
  p90: number;
  p99: number;
}

/** An attempt restored from a checkpoint, and when. */
export interface RestoreFact {
  checkpointId: number;
  attempt: number;
  atMs: number;
}

/** Flink's "Latest" block: the newest completed and failed checkpoints, and the newest restore. */
export interface CheckpointLatest {
  completed: CheckpointFact | null;
  /** The newest checkpoint that did not complete (declined, expired or abandoned). */
  failed: CheckpointFact | null;
  restore: RestoreFact | null;
}

/** `GET /api/runs/:id/checkpoints?offset&limit&order`; `durations` is null until one completed. */
export type CheckpointsPage = FactsPage<CheckpointFact, CheckpointCounts> & {
  durations: DurationSummary | null;
  latest: CheckpointLatest;
};

/**
 * One task's part in one checkpoint (Flink's per-subtask detail). Times are virtual ms from the
 * run's start; null when it never happened (or, past 65 s after the trigger, is not kept: `late`).
 */
export interface TaskCheckpointDetail {
  /** `source`, `sink-0`, `sink-1`… */
  task: string;
  /** When the checkpoint's barrier reached it (a sink subtask; the source snapshots at the trigger). */
  barrierMs: number | null;
  acknowledgedMs: number | null;
  /** Its transaction pre-committed (flushed) under this checkpoint, EXACTLY_ONCE only. */
  txn: TxnFact | null;
  /** From the barrier to the flush done (EXACTLY_ONCE) or to the acknowledgement (a flushing writer). */
  preCommitMs: number | null;
  /** A step happened 65,534 ms or more after the trigger: its time is not kept. */
  late: boolean;
}

/** `GET /api/runs/:id/checkpoints/:checkpoint`: the checkpoint and each task's part in it. */
export interface CheckpointDetail {
  checkpoint: CheckpointFact;
  tasks: TaskCheckpointDetail[];
}

export const checkpointParamSchema = z.strictObject({
  checkpoint: z.coerce
    .number({ error: 'expected a checkpoint id' })
    .int({ error: 'expected a checkpoint id' })
    .min(1, { error: 'checkpoint ids start at 1' })
    .max(2 ** 31, { error: 'too large' }),
});
/** `GET /api/runs/:id/transactions?offset&limit&order&checkpoint&subtask&txnId`. */
export type TransactionsPage = FactsPage<TxnFact, TxnCounts>;

const pageFields = {
  offset: z.coerce.number().int().min(0).max(1_000_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(MAX_FACTS_PAGE).default(50),
  /** newest (default): the highest ids first, as the dashboard lists them. */
  order: z.enum(['newest', 'oldest']).default('newest'),
  /**
   * The run as it stood at this virtual time (a finished run scrubbed back): what had begun by
   * then, in the state it was in, counted then. What the record keeps no time for is shown as it
   * ended: a checkpoint's acknowledgements while in progress, a still-open transaction's lease.
   */
  atMs: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 31)
    .optional(),
};

export const checkpointsQuerySchema = z.strictObject(pageFields);
export type CheckpointsQuery = z.output<typeof checkpointsQuerySchema>;

export const transactionsQuerySchema = z.strictObject({
  ...pageFields,
  /** Only the transactions pre-committed (or to be) under this checkpoint. */
  checkpoint: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 31)
    .optional(),
  subtask: z.coerce.number().int().min(0).max(15).optional(),
  txnId: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 52)
    .optional(),
});
export type TransactionsQuery = z.output<typeof transactionsQuerySchema>;
