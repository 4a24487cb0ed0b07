import { type TracedTxn, txnName, type ValueLife } from '@eolab/engine';
import type { TxnFact } from '@eolab/protocol';
import type { RealRows } from '../../real/real-run';
import type { RunFacts } from '../facts/run-facts';

/**
 * Values' lives in a real PostgreSQL run, from its committed rows (value, attempt, subtask,
 * transaction, when it was emitted, inserted and made visible) and the run's transaction facts
 * (what became of each transaction). PostgreSQL keeps only what was committed: a write into a
 * transaction rolled back, or an insert that failed, leaves no row, so those are not told.
 */
export const REAL_RUN_NOTE =
  'A real run keeps only the rows PostgreSQL committed: writes into rolled-back transactions leave no trace here.';

/** The sinks' transaction names (`a1-s0-e3`: attempt, subtask, epoch). */
const TXN = /^a(\d+)-s(\d+)-e(\d+)$/;

export function realLives(real: RealRows, from: number, to: number, facts: RunFacts): ValueLife[] {
  const lives: ValueLife[] = [];
  for (let v = from; v <= to; v++) lives.push({ value: v, emissions: [], writes: [], reads: [], txns: [] });
  const txns = new Map<string, TracedTxn>();
  const at = (epochMs: number) => Math.max(0, Math.round(epochMs - real.startMs));
  for (const row of real.rows) {
    const life = lives[row.value - from];
    if (row.value < from || row.value > to || life === undefined) continue;
    if (!life.emissions.some((e) => e.attempt === row.attempt))
      life.emissions.push({ attempt: row.attempt, atMs: at(row.emittedAtMs) });
    const txn = row.txn === null ? null : tracedTxn(row.txn, txns, facts, at(row.visibleAtMs));
    life.writes.push({
      attempt: row.attempt,
      subtask: row.subtask,
      atMs: at(row.writtenAtMs),
      txnId: txn?.txnId ?? null,
    });
    if (txn !== null && !life.txns.includes(txn)) life.txns.push(txn);
    life.reads.push({
      atMs: at(row.visibleAtMs),
      attempt: row.attempt,
      path: txn === null ? 'plain' : 'committed',
    });
  }
  for (const life of lives) {
    life.emissions.sort((a, b) => a.atMs - b.atMs);
    life.writes.sort((a, b) => a.atMs - b.atMs);
  }
  return lives;
}

/** The transaction a row was committed in, from the run's facts (or, when they lack it, as its commit showed it). */
function tracedTxn(
  name: string,
  txns: Map<string, TracedTxn>,
  facts: RunFacts,
  visibleMs: number,
): TracedTxn {
  const known = txns.get(name);
  if (known !== undefined) return known;
  const m = TXN.exec(name);
  const [attempt, subtask, epoch] = m === null ? [0, 0, 0] : [Number(m[1]), Number(m[2]), Number(m[3])];
  const { rows } = facts.transactions.select({
    offset: 0,
    limit: 16,
    order: 'oldest',
    checkpoint: epoch,
    subtask,
  });
  const fact = rows.map((r) => facts.transactions.fact(r)).find((f) => f.attempt === attempt);
  const traced =
    fact === undefined
      ? {
          // Not in the facts (a run whose record came from a window of events): it committed when its rows became visible.
          txnId: -(txns.size + 1),
          name: txnName({ epoch, subtask, attempt }),
          subtask,
          attempt,
          begunAtMs: visibleMs,
          flushedAtMs: null,
          checkpointId: null,
          commitFailed: null,
          end: { state: 'committed' as const, atMs: visibleMs, why: null },
        }
      : fromFact(fact);
  txns.set(name, traced);
  return traced;
}

function fromFact(f: TxnFact): TracedTxn {
  const end =
    f.endedMs === null
      ? null
      : f.state === 'COMMITTED'
        ? { state: 'committed' as const, atMs: f.endedMs, why: null }
        : f.state === 'EXPIRED'
          ? { state: 'expired' as const, atMs: f.endedMs, why: null }
          : { state: 'aborted' as const, atMs: f.endedMs, why: f.why };
  return {
    txnId: f.txnId,
    name: f.name,
    subtask: f.subtask,
    attempt: f.attempt,
    begunAtMs: f.openedMs ?? f.preCommittedMs ?? 0,
    flushedAtMs: f.preCommittedMs,
    checkpointId: f.preCommittedMs === null ? null : f.checkpointId,
    commitFailed: null,
    end,
  };
}
