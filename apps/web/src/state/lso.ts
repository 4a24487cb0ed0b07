import { type SimEvent, txnName } from '@eolab/engine';

/**
 * Where Kafka's read_committed readers were held at the last stable offset: each `lso-released`
 * event says a reader passed it at `t` and read values that had waited up to `heldMs` behind an
 * open transaction, so the hold is the band from `t - heldMs` to `t` on that partition.
 */

export interface LsoHold {
  partition: number;
  fromMs: number;
  toMs: number;
  /** Committed values that waited behind the open transaction. */
  values: number;
  /** The transaction that held the offset: its store id and its name (cp3·s0). */
  txnId: number;
  txn: string;
}

/**
 * The holds of a run. The engine tells only those a person would notice (a second or more):
 * commits of one checkpoint land a few milliseconds apart, and such waits are routine.
 */
export function lsoHolds(events: readonly SimEvent[]): LsoHold[] {
  const holds: LsoHold[] = [];
  for (const e of events)
    if (e.kind === 'lso-released')
      holds.push({
        partition: e.partition,
        fromMs: e.t - e.heldMs,
        toMs: e.t,
        values: e.values,
        txnId: e.txnId,
        txn: txnName(e),
      });
  return holds;
}
