import type { SimEvent } from '@eolab/engine';
import { type TxnRow, transactions } from './history';

export interface CheckpointSpan {
  id: number;
  startMs: number;
  endMs: number | null;
  outcome: 'pending' | 'completed' | 'aborted';
  position: number;
  reason?: string;
}

export type TxnOutcome = 'open' | 'flushed' | 'committing' | 'committed' | 'aborted' | 'expired';

export interface TxnSpan {
  txnId: number;
  subtask: number;
  attempt: number;
  /** The checkpoint it is pre-committed under (while open, the one it waits for): see txnName. */
  epoch: number;
  startMs: number;
  flushedMs: number | null;
  endMs: number | null;
  outcome: TxnOutcome;
  events: number;
}

/** Each checkpoint from trigger to completion or abort. */
export function checkpointSpans(events: readonly SimEvent[]): CheckpointSpan[] {
  const spans = new Map<number, CheckpointSpan>();
  for (const e of events) {
    if (e.kind === 'checkpoint-triggered') {
      spans.set(e.checkpointId, {
        id: e.checkpointId,
        startMs: e.t,
        endMs: null,
        outcome: 'pending',
        position: e.position,
      });
    } else if (e.kind === 'checkpoint-completed' || e.kind === 'checkpoint-aborted') {
      const span = spans.get(e.checkpointId) ?? {
        id: e.checkpointId,
        startMs: e.kind === 'checkpoint-completed' ? e.t - e.durationMs : e.t,
        endMs: null,
        outcome: 'pending' as const,
        position: e.kind === 'checkpoint-completed' ? e.position : -1,
      };
      span.endMs = e.t;
      span.outcome = e.kind === 'checkpoint-completed' ? 'completed' : 'aborted';
      if (e.kind === 'checkpoint-aborted') span.reason = e.reason;
      spans.set(e.checkpointId, span);
    }
  }
  return [...spans.values()].sort((a, b) => a.id - b.id);
}

const OUTCOME: Record<TxnRow['state'], TxnOutcome> = {
  OPEN: 'open',
  'PRE-COMMITTED': 'flushed',
  COMMITTING: 'committing',
  COMMITTED: 'committed',
  ABORTED: 'aborted',
  EXPIRED: 'expired',
};

/** Each transaction's life, one lane per sink subtask: the inspector's rows, drawn. */
export function txnSpans(events: readonly SimEvent[]): TxnSpan[] {
  return transactions(events).map((r) => ({
    txnId: r.txnId,
    subtask: r.subtask,
    attempt: r.attempt,
    epoch: r.checkpointId,
    startMs: r.openedMs ?? r.firstSeenMs,
    flushedMs: r.preCommittedMs,
    endMs: r.endedMs,
    outcome: OUTCOME[r.state],
    events: r.events,
  }));
}
