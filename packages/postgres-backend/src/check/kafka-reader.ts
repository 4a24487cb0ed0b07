import { LSO_STALL_MS, transactionalIdOf } from '@eolab/engine';
import type pg from 'pg';
import type { ReadRow } from './checker';

/**
 * A read_committed consumer of the Kafka imitation's topic (postgres/kafka-schema.ts), from its
 * log: each partition in offset order up to its last stable offset, the first offset of the
 * oldest transaction still open (Log.lastStableOffset; the consumer's FetchTxnCommitted).
 * Records of committed transactions below it are delivered, aborted ones skipped (their ABORT
 * marker), plain records delivered as they come; everything from the LSO on waits, however it
 * ends, other producers' committed records included.
 *
 * The consumer reads once, after the run, from the log's times: a record is delivered when every
 * transaction with a record at or before its offset was decided (its marker written), and its own
 * committed. That is when a consumer polling all along would have got it.
 */
export interface KafkaRead {
  rows: ReadRow[];
  /** Committed records that waited at the LSO behind another transaction for LSO_STALL_MS or more, grouped by their release. */
  holds: LsoHold[];
}

/** Values released together from behind a transaction that held the partition's readers. */
export interface LsoHold {
  partition: number;
  /** How many data values waited, and the longest wait from their own commit. */
  values: number;
  heldMs: number;
  releasedAtMs: number;
  /** The transaction whose end released them: its id, epoch, and how it ended. */
  holder: { id: number; epoch: number; ended: 'commit' | 'abort' };
}

export interface LogRow {
  partition: number;
  kind: 'record' | 'commit' | 'abort';
  value: number;
  subtask: number;
  attempt: number;
  id: number | null;
  epoch: number | null;
  emittedAtMs: number;
  writtenAtMs: number;
}

export async function readKafkaCommitted(client: pg.Client, run: string): Promise<KafkaRead> {
  const result = await client.query(
    `SELECT partition, kind, value, subtask, attempt, transactional_id, epoch, emitted_at,
            extract(epoch FROM written_at) * 1000 AS written_at
       FROM eolab_kafka_log WHERE run = $1 ORDER BY partition, "offset"`,
    [run],
  );
  const log: LogRow[] = result.rows.map((r) => ({
    partition: Number(r.partition),
    kind: r.kind,
    value: Number(r.value),
    subtask: Number(r.subtask),
    attempt: Number(r.attempt),
    id: r.transactional_id === null ? null : Number(r.transactional_id),
    epoch: r.epoch === null ? null : Number(r.epoch),
    emittedAtMs: Number(r.emitted_at),
    writtenAtMs: Number(r.written_at),
  }));
  return consume(log);
}

const keyOf = (id: number, epoch: number) => `${id}/${epoch}`;

/** The log as the consumer sees it (pure: the tests feed it logs of their own). */
export function consume(log: readonly LogRow[]): KafkaRead {
  // How each transaction ended, and when (per partition: its marker there).
  const ends = new Map<string, { kind: 'commit' | 'abort'; atMs: number }>();
  for (const row of log)
    if (row.kind !== 'record')
      ends.set(`${row.partition}:${keyOf(row.id!, row.epoch!)}`, { kind: row.kind, atMs: row.writtenAtMs });
  const rows: (ReadRow & { partition: number })[] = [];
  const holds: LsoHold[] = [];
  let partition = -1;
  // The LSO's progress: the latest decision among the transactions with a record so far.
  let stableAtMs = 0;
  let holder: LsoHold['holder'] | null = null;
  let hold: LsoHold | null = null;
  for (const row of log) {
    if (row.partition !== partition) {
      partition = row.partition;
      stableAtMs = 0;
      holder = null;
      hold = null;
    }
    if (row.kind !== 'record') continue;
    const transactional = row.id !== null;
    const end = transactional ? ends.get(`${row.partition}:${keyOf(row.id!, row.epoch!)}`) : undefined;
    // Still open at the end of the log: the LSO never passes it.
    const decidedAtMs = transactional ? (end?.atMs ?? Number.POSITIVE_INFINITY) : row.writtenAtMs;
    if (decidedAtMs > stableAtMs) {
      stableAtMs = decidedAtMs;
      holder =
        transactional && end !== undefined ? { id: row.id!, epoch: row.epoch!, ended: end.kind } : null;
    }
    // Behind a transaction never decided: nothing further in this partition is read.
    if (!Number.isFinite(stableAtMs)) continue;
    if (transactional && end?.kind !== 'commit') continue;
    const visibleAtMs = stableAtMs;
    rows.push({
      partition,
      value: row.value,
      attempt: row.attempt,
      subtask: row.subtask,
      txn: transactional ? `a${row.attempt}-s${row.subtask}-k${row.id}e${row.epoch}` : null,
      writtenAtMs: row.writtenAtMs,
      visibleAtMs,
      emittedAtMs: row.emittedAtMs,
    });
    const heldMs = visibleAtMs - decidedAtMs;
    if (heldMs >= LSO_STALL_MS && row.value > 0 && holder !== null) {
      if (hold === null || hold.releasedAtMs !== visibleAtMs) {
        hold = { partition, values: 0, heldMs: 0, releasedAtMs: visibleAtMs, holder };
        holds.push(hold);
      }
      hold.values++;
      hold.heldMs = Math.max(hold.heldMs, Math.round(heldMs));
    }
  }
  // The consumer's order: as delivered, each partition's in offset order.
  const ordered = rows
    .map((row, i) => ({ row, i }))
    .sort((a, b) => a.row.visibleAtMs - b.row.visibleAtMs || a.i - b.i)
    .map(({ row: { partition: _, ...row } }) => row);
  return { rows: ordered, holds };
}

/** A hold in the sample's log's words. */
export function holdLine(hold: LsoHold): string {
  const ended = hold.holder.ended === 'commit' ? 'committed' : 'aborted';
  return `read_committed readers of partition ${hold.partition} held at the last stable offset for ${hold.heldMs} ms behind transaction ${transactionalIdOf(hold.holder.id)} (epoch ${hold.holder.epoch}): ${hold.values} committed values released when it ${ended}`;
}
