import type { SimEvent } from '@eolab/engine';

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
  checkpointId: number | null;
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
  const get = (e: SimEvent & { txnId: number; subtask: number; attempt: number }) => {
    let span = spans.get(e.txnId);
    if (span === undefined) {
      span = {
        txnId: e.txnId,
        subtask: e.subtask,
        attempt: e.attempt,
        checkpointId: null,
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
  const namer = new TxnNamer();
  for (const e of events) {
    namer.observe(e);
    switch (e.kind) {
      case 'txn-begun':
        get(e).checkpointId = namer.checkpointOfTxn(e.txnId);
        break;
      case 'txn-flushed': {
        const s = get(e);
        s.flushedMs = e.t;
        s.checkpointId = e.checkpointId;
        s.outcome = 'flushed';
        s.events = e.events;
        break;
      }
      case 'txn-committing': {
        const s = get(e);
        s.checkpointId = e.checkpointId;
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

/** How a transaction is named in the UI: checkpoint.subtask once known (1.0, 1.1), else its id. */
export function txnLabel(checkpointId: number | null, subtask: number, txnId: number): string {
  return checkpointId === null ? `#${txnId} (subtask ${subtask})` : `${checkpointId}.${subtask}`;
}

/**
 * Names transactions `checkpoint.subtask` as they stream by. A transaction is pre-committed under
 * the first checkpoint triggered after it began (checkpoint ids count up across restores), so one
 * that is aborted or expires while still open is named after the checkpoint it was waiting for.
 */
export class TxnNamer {
  private lastTriggered = 0;
  private readonly checkpointOf = new Map<number, number>();

  observe(e: SimEvent): void {
    if (e.kind === 'checkpoint-triggered') this.lastTriggered = Math.max(this.lastTriggered, e.checkpointId);
    else if (e.kind === 'txn-begun') this.checkpointOf.set(e.txnId, this.lastTriggered + 1);
    else if (e.kind === 'txn-flushed' || e.kind === 'txn-committing' || e.kind === 'txn-commit-failed')
      this.checkpointOf.set(e.txnId, e.checkpointId);
  }

  checkpointOfTxn(txnId: number): number | null {
    return this.checkpointOf.get(txnId) ?? null;
  }

  name(txnId: number, subtask: number): string {
    return txnLabel(this.checkpointOfTxn(txnId), subtask, txnId);
  }
}

export interface DuplicateCause {
  values: number[];
  text: string;
}

/**
 * Why values were read twice: each restore replays the values between its checkpoint's position
 * and what the failed attempt had already written; the duplicates in that range are its doing.
 */
export function duplicateCauses(
  events: readonly SimEvent[],
  duplicates: readonly number[],
): DuplicateCause[] {
  const causes: DuplicateCause[] = [];
  let failure: (SimEvent & { kind: 'task-failed' }) | null = null;
  for (const e of events) {
    if (e.kind === 'task-failed') failure = e;
    if (e.kind !== 'job-restored' || failure === null) continue;
    const atElement = failure.detail.startsWith('Artificial failure at position');
    const hi = atElement ? failure.position - 1 : failure.position;
    const values = duplicates.filter((v) => v > e.position && v <= hi);
    if (values.length > 0) {
      const zombie = failure.detail.startsWith('TaskManager lost');
      causes.push({
        values,
        text:
          `first visible from attempt ${failure.attempt} before the failure at ${failure.t} ms (${failure.detail}); ` +
          `written again by attempt ${e.attempt} after the restore from checkpoint ${e.checkpointId ?? '—'} at position ${e.position}` +
          (zombie ? ', while the zombie attempt kept writing too' : ''),
      });
    }
    failure = null;
  }
  return causes;
}

/**
 * Why values never arrived: the transaction that held them and what happened to it (its lease ran
 * out, after a failed commit call or a long pause), a job that failed before writing them, or
 * plain writes that failed after a checkpoint had moved past them.
 */
export function lossCauses(events: readonly SimEvent[], missing: readonly number[]): DuplicateCause[] {
  const causes: DuplicateCause[] = [];
  const explained = new Set<number>();
  const commitFailures = new Map<number, SimEvent & { kind: 'txn-commit-failed' }>();
  const namer = new TxnNamer();
  for (const e of events) {
    namer.observe(e);
    if (e.kind === 'txn-commit-failed') commitFailures.set(e.txnId, e);
    if (e.kind === 'txn-expired' && e.firstValue !== null && e.lastValue !== null) {
      const lo = e.firstValue;
      const hi = e.lastValue;
      const values = missing.filter((v) => v >= lo && v <= hi && !explained.has(v));
      if (values.length === 0) continue;
      for (const v of values) explained.add(v);
      const failed = commitFailures.get(e.txnId);
      const why =
        failed === undefined
          ? 'its lease ran out before anyone committed it'
          : `its commit failed at ${failed.t} ms (${commitFailure(failed.why, failed.state)}) and its lease ran out`;
      causes.push({
        values,
        text: `held in transaction ${namer.name(e.txnId, e.subtask)} of attempt ${e.attempt}; ${why} at ${e.t} ms, so the store aborted it`,
      });
    }
    if (e.kind === 'write-failed') {
      causes.push({
        values: [],
        text: `${e.writes} plain writes failed at ${e.t} ms on subtask ${e.subtask}: the writers' reconnect retries ran out`,
      });
    }
    if (e.kind === 'job-failed') {
      const rest = missing.filter((v) => !explained.has(v));
      if (rest.length > 0) {
        for (const v of rest) explained.add(v);
        causes.push({ values: rest, text: `never made visible: the job failed at ${e.t} ms (${e.reason})` });
      }
    }
  }
  return causes.filter((c) => c.values.length > 0 || missing.length > 0);
}

function commitFailure(why: 'not-open' | 'rejected' | 'retries-exhausted', state: string): string {
  if (why === 'rejected') return 'the store rejected it: dropped, never retried';
  if (why === 'retries-exhausted') return 'controller unreachable, retries exhausted: the task failed';
  return `the transaction was already ${state}`;
}
