/**
 * A hold at Kafka's last stable offset in words (the holds themselves: state/lso.ts): where
 * read_committed readers of a partition waited behind an open transaction.
 */
interface Hold {
  partition: number;
  fromMs: number;
  toMs: number;
  values: number;
  txn: string;
}

const n = (v: number): string => v.toLocaleString('en');

/** A hold in words: "partition 0: readers held 305–30,351 ms (30,046 ms) behind cp3·s0; 50 values waited". */
export function holdText(h: Hold): string {
  return `partition ${h.partition}: read_committed readers held at the last stable offset ${n(h.fromMs)}–${n(h.toMs)} ms (${n(h.toMs - h.fromMs)} ms) behind transaction ${h.txn}; ${n(h.values)} committed ${h.values === 1 ? 'value' : 'values'} waited`;
}

/** The short label drawn on a band. */
export function holdLabel(h: Hold): string {
  return `p${h.partition} held ${n(h.toMs - h.fromMs)} ms`;
}
