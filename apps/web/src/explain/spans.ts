import type { SimEvent, TxnRef } from '@eolab/engine';

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

/** Each transaction's life, one lane per sink subtask. */
export function txnSpans(events: readonly SimEvent[]): TxnSpan[] {
  const spans = new Map<number, TxnSpan>();
  const get = (e: SimEvent & TxnRef) => {
    let span = spans.get(e.txnId);
    if (span === undefined) {
      span = {
        txnId: e.txnId,
        subtask: e.subtask,
        attempt: e.attempt,
        epoch: e.epoch,
        startMs: e.t,
        flushedMs: null,
        endMs: null,
        outcome: 'open',
        events: 0,
      };
      spans.set(e.txnId, span);
    }
    return span;
  };
  for (const e of events) {
    switch (e.kind) {
      case 'txn-begun':
        get(e);
        break;
      case 'txn-flushed': {
        const s = get(e);
        s.flushedMs = e.t;
        s.epoch = e.epoch;
        s.outcome = 'flushed';
        s.events = e.events;
        break;
      }
      case 'txn-committing': {
        const s = get(e);
        s.epoch = e.epoch;
        s.outcome = 'committing';
        break;
      }
      case 'txn-committed': {
        const s = get(e);
        s.endMs = e.t;
        s.outcome = 'committed';
        s.events = e.events;
        break;
      }
      case 'txn-aborted':
      case 'txn-expired': {
        const s = get(e);
        s.endMs = e.t;
        s.outcome = e.kind === 'txn-aborted' ? 'aborted' : 'expired';
        s.events = e.events;
        break;
      }
      default:
    }
  }
  return [...spans.values()];
}
