import type { SimEvent } from '@eolab/engine';

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
  /** The transaction that held the offset (its store id). */
  txnId: number;
}

/**
 * A hold a person would notice, as the narration tells them: commits of one checkpoint land a few
 * milliseconds apart, and each such wait is a hold too short to see or to draw.
 */
export const LSO_HOLD_SHOWN_MS = 1_000;

export function lsoHolds(events: readonly SimEvent[], minMs = LSO_HOLD_SHOWN_MS): LsoHold[] {
  const holds: LsoHold[] = [];
  for (const e of events)
    if (e.kind === 'lso-released' && e.heldMs >= minMs)
      holds.push({
        partition: e.partition,
        fromMs: e.t - e.heldMs,
        toMs: e.t,
        values: e.values,
        txnId: e.txnId,
      });
  return holds;
}
