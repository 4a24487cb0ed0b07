import { type SimEvent, txnName } from '@eolab/engine';

/**
 * The checkpoint history and the transaction inspector, as Flink's web UI and a Pravega operator
 * would look at them, from the protocol events on screen (every step at paced speeds; at full speed
 * the milestones, then the run's recent window once it ends). The panels show the server's whole
 * record of the run (GET /api/runs/:id/checkpoints, /transactions) and fall back to these rows
 * while it has not answered, when it cannot, and while a finished run is scrubbed.
 */

export interface CheckpointRow {
  id: number;
  status: 'in progress' | 'completed' | 'declined' | 'expired' | 'abandoned';
  triggeredMs: number | null;
  /** Tasks that acknowledged it, of all the tasks (the source and every sink subtask). */
  acknowledged: number;
  tasks: number;
  durationMs: number | null;
  reason: string | null;
  /** Attempts restored from it. */
  restoredBy: number[];
}

export function checkpointHistory(events: readonly SimEvent[], sinkParallelism: number): CheckpointRow[] {
  const rows = new Map<number, CheckpointRow>();
  const row = (id: number): CheckpointRow => {
    let r = rows.get(id);
    if (r === undefined) {
      r = {
        id,
        status: 'in progress',
        triggeredMs: null,
        acknowledged: 0,
        tasks: sinkParallelism + 1,
        durationMs: null,
        reason: null,
        restoredBy: [],
      };
      rows.set(id, r);
    }
    return r;
  };
  for (const e of events) {
    if (e.kind === 'checkpoint-triggered') row(e.checkpointId).triggeredMs = e.t;
    else if (e.kind === 'checkpoint-acknowledged') row(e.checkpointId).acknowledged++;
    else if (e.kind === 'checkpoint-completed') {
      const r = row(e.checkpointId);
      r.status = 'completed';
      r.durationMs = e.durationMs;
      r.triggeredMs ??= e.t - e.durationMs;
      r.acknowledged = r.tasks;
    } else if (e.kind === 'checkpoint-aborted') {
      const r = row(e.checkpointId);
      r.status = e.reason === 'declined' ? 'declined' : e.reason === 'timeout' ? 'expired' : 'abandoned';
      r.reason = e.reason;
      if (r.triggeredMs !== null) r.durationMs = e.t - r.triggeredMs;
    } else if (e.kind === 'job-restored' && e.checkpointId !== null)
      row(e.checkpointId).restoredBy.push(e.attempt);
  }
  return [...rows.values()].sort((a, b) => b.id - a.id);
}

export interface DurationSummary {
  min: number;
  avg: number;
  max: number;
  count: number;
}

/** Min, average and max end-to-end duration of the completed checkpoints, or null when none. */
export function durationSummary(rows: readonly CheckpointRow[]): DurationSummary | null {
  const done = rows
    .filter((r) => r.status === 'completed' && r.durationMs !== null)
    .map((r) => r.durationMs!);
  if (done.length === 0) return null;
  const sum = done.reduce((a, b) => a + b, 0);
  return {
    min: Math.min(...done),
    avg: Math.round(sum / done.length),
    max: Math.max(...done),
    count: done.length,
  };
}

export interface TxnRow {
  name: string;
  txnId: number;
  subtask: number;
  attempt: number;
  checkpointId: number;
  state: 'OPEN' | 'PRE-COMMITTED' | 'COMMITTING' | 'COMMITTED' | 'ABORTED' | 'EXPIRED';
  /** When the view first saw it (its begin, unless that was thinned out at full speed). */
  firstSeenMs: number;
  openedMs: number | null;
  preCommittedMs: number | null;
  endedMs: number | null;
  /**
   * When the controller's lease timer would abort it: its begin plus the lease, pushed on by each
   * ping the controller took (`txn-lease-renewed`). Null when neither was seen.
   */
  leaseDeadlineMs: number | null;
  /** Committed by a restored attempt (recoverAndCommit). */
  recovery: boolean;
  /** Why it ended, when it did not commit. */
  why: string | null;
  events: number;
  firstValue: number | null;
  lastValue: number | null;
}

/** Every transaction the events show; `leaseMs` is the scenario's lease (for the lease left). */
export function transactions(events: readonly SimEvent[], leaseMs: number | null = null): TxnRow[] {
  const rows = new Map<number, TxnRow>();
  const row = (e: SimEvent & { txnId: number; subtask: number; attempt: number; epoch: number }): TxnRow => {
    let r = rows.get(e.txnId);
    if (r === undefined) {
      r = {
        name: txnName(e),
        txnId: e.txnId,
        subtask: e.subtask,
        attempt: e.attempt,
        checkpointId: e.epoch,
        state: 'OPEN',
        firstSeenMs: e.t,
        openedMs: null,
        preCommittedMs: null,
        endedMs: null,
        leaseDeadlineMs: null,
        recovery: false,
        why: null,
        events: 0,
        firstValue: null,
        lastValue: null,
      };
      rows.set(e.txnId, r);
    }
    r.name = txnName(e);
    r.checkpointId = e.epoch;
    return r;
  };
  for (const e of events) {
    switch (e.kind) {
      case 'txn-begun': {
        const r = row(e);
        r.openedMs = e.t;
        if (leaseMs !== null) r.leaseDeadlineMs = e.t + leaseMs;
        break;
      }
      case 'txn-lease-renewed':
        row(e).leaseDeadlineMs = e.leaseDeadlineMs;
        break;
      case 'txn-flushed': {
        const r = row(e);
        r.preCommittedMs = e.t;
        r.state = 'PRE-COMMITTED';
        r.events = e.events;
        break;
      }
      case 'txn-committing': {
        const r = row(e);
        r.state = 'COMMITTING';
        r.recovery = e.recovery;
        break;
      }
      case 'txn-committed':
      case 'txn-aborted':
      case 'txn-expired': {
        const r = row(e);
        r.state = e.kind === 'txn-committed' ? 'COMMITTED' : e.kind === 'txn-aborted' ? 'ABORTED' : 'EXPIRED';
        r.endedMs = e.t;
        r.events = e.events;
        r.firstValue = e.firstValue;
        r.lastValue = e.lastValue;
        if (e.kind === 'txn-aborted') r.why = e.why;
        if (e.kind === 'txn-expired') r.why = 'lease expired';
        break;
      }
      case 'txn-commit-failed':
        row(e).why = `commit ${e.why}`;
        break;
      default:
    }
  }
  return [...rows.values()].sort((a, b) => b.txnId - a.txnId);
}

/** A Kafka transaction's producer, as its begin names it (absent on Pravega). */
export interface KafkaProducer {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  partition: number;
  /** When its first record reached the broker, as its pre-commit tells (unknown before it). */
  startedAtMs?: number;
}

/**
 * Each Kafka transaction's producer by store id, from the begins on screen: the server's rows do
 * not carry them, so the inspector joins them here (a begin thinned out at full speed shows none).
 */
export function kafkaProducers(events: readonly SimEvent[]): Map<number, KafkaProducer> {
  const producers = new Map<number, KafkaProducer>();
  for (const e of events)
    if (e.kind === 'txn-begun' && e.transactionalId !== undefined)
      producers.set(e.txnId, {
        transactionalId: e.transactionalId,
        producerId: e.producerId ?? -1,
        producerEpoch: e.producerEpoch ?? -1,
        partition: e.partition ?? 0,
      });
    else if (e.kind === 'txn-flushed' && e.startedAtMs !== undefined) {
      const producer = producers.get(e.txnId);
      if (producer !== undefined) producer.startedAtMs = e.startedAtMs;
    }
  return producers;
}

/**
 * A Kafka transaction's deadline: transaction.timeout.ms from its first record, which its
 * pre-commit tells (`startedAtMs`); before that its begin stands for it (the first write follows
 * within a write's latency, unless the source is held). Null before its begin is seen. The
 * coordinator aborts it at its next look after.
 */
export function kafkaDeadlineMs(
  row: Pick<TxnRow, 'openedMs'>,
  transactionTimeoutMs: number,
  startedAtMs?: number,
): number | null {
  const from = startedAtMs ?? row.openedMs;
  return from === null ? null : from + transactionTimeoutMs;
}

/**
 * The lease left at `nowMs`, in words: only a transaction still open in the store (collecting
 * values, or pre-committed and waiting for its commit) has a lease running.
 */
export function leaseLeft(row: Pick<TxnRow, 'state' | 'leaseDeadlineMs'>, nowMs: number): string {
  if (row.state !== 'OPEN' && row.state !== 'PRE-COMMITTED') return '—';
  if (row.leaseDeadlineMs === null) return '?';
  const left = row.leaseDeadlineMs - nowMs;
  return left <= 0 ? 'due' : `${(left / 1000).toFixed(1)} s`;
}

/** Rows whose name, store id or checkpoint matches what was typed (`cp5`, `5`, `cp5·s1`, `#12`). */
export function matchTxn(row: TxnRow, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (q === '') return true;
  if (q.startsWith('#')) return String(row.txnId) === q.slice(1);
  if (/^\d+$/.test(q)) return String(row.checkpointId) === q || String(row.txnId) === q;
  return row.name.toLowerCase().includes(q.replace('.', '·'));
}
