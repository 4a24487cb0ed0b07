/**
 * The transaction timeline's lanes. On Pravega, one per sink subtask. On Kafka, the partitions are
 * the lanes: FlinkFixedPartitioner sends subtask i to partition i mod partitions, so each partition
 * gathers its subtasks' transactions, then a row where its read_committed readers were held at the
 * last stable offset. A partition no subtask writes to has nothing to show and no lane.
 */

export type TxnLane =
  | { kind: 'subtask'; subtask: number; partition: number | null; label: string }
  | { kind: 'lso'; partition: number; label: string };

export function txnLanes(parallelism: number, kafkaPartitions: number | null): TxnLane[] {
  if (kafkaPartitions === null)
    return Array.from({ length: parallelism }, (_, s) => ({
      kind: 'subtask',
      subtask: s,
      partition: null,
      label: `subtask ${s}`,
    }));
  const lanes: TxnLane[] = [];
  for (let p = 0; p < Math.min(kafkaPartitions, parallelism); p++) {
    for (let s = p; s < parallelism; s += kafkaPartitions)
      lanes.push({ kind: 'subtask', subtask: s, partition: p, label: `partition ${p} · subtask ${s}` });
    lanes.push({ kind: 'lso', partition: p, label: `partition ${p} · readers held` });
  }
  return lanes;
}

/** Each subtask's lane index, and each partition's hold row. */
export function laneIndex(lanes: readonly TxnLane[]): {
  subtask: Map<number, number>;
  lso: Map<number, number>;
} {
  const subtask = new Map<number, number>();
  const lso = new Map<number, number>();
  lanes.forEach((l, i) => {
    if (l.kind === 'subtask') subtask.set(l.subtask, i);
    else lso.set(l.partition, i);
  });
  return { subtask, lso };
}
