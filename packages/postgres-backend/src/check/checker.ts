import { checkStream, END_MARKER, START_MARKER, type StreamCheck } from '@eolab/engine';
import type pg from 'pg';

/** One committed row, in the order the reader sees it. */
export interface ReadRow {
  value: number;
  attempt: number;
  /** The sink subtask that wrote it, and its transaction (`a1-s0-e3`: attempt, subtask, epoch), null for a plain insert. */
  subtask: number;
  txn: string | null;
  /** When its insert ran, ms since the epoch. */
  writtenAtMs: number;
  /** When it became visible (its commit), ms since the epoch. */
  visibleAtMs: number;
  emittedAtMs: number;
}

/**
 * The committed rows of a run in commit order: plain inserts by their id (each commits as it runs),
 * a prepared transaction's rows at the place of its COMMIT PREPARED in the commit log, in insert
 * order within it. Rows of a transaction that committed without a record (a crash between the two
 * statements, repaired by the next recovery) come last.
 */
export async function readCommitted(client: pg.Client, run: string): Promise<ReadRow[]> {
  const result = await client.query(
    `SELECT e.value, e.attempt, e.subtask, e.txn, e.emitted_at,
            extract(epoch FROM e.written_at) * 1000 AS written_at,
            extract(epoch FROM coalesce(c.committed_at, e.written_at)) * 1000 AS visible_at
       FROM eolab_events e
       LEFT JOIN eolab_commits c ON c.run = e.run AND c.txn = e.txn
      WHERE e.run = $1
      ORDER BY (e.txn IS NOT NULL AND c.seq IS NULL), c.seq NULLS FIRST, e.id`,
    [run],
  );
  return result.rows.map((r) => ({
    value: Number(r.value),
    attempt: Number(r.attempt),
    subtask: Number(r.subtask),
    txn: r.txn === null ? null : String(r.txn),
    writtenAtMs: Number(r.written_at),
    visibleAtMs: Number(r.visible_at),
    emittedAtMs: Number(r.emitted_at),
  }));
}

export interface CheckResult extends StreamCheck {
  /** Per duplicate value, the attempts whose rows were read, in read order (for the causes). */
  writers: Map<number, number[]>;
  /** The highest value read: it was emitted, whatever the job's last progress report said. */
  highestRead: number;
}

/**
 * The engine's two checkers (its `checkStream`, the very code the simulation runs) fed the
 * committed rows in commit order. Their lines come back at wall-clock times, to be merged with
 * the writer's. Rows outside 1..N other than the markers are not the job's and are skipped.
 */
export function check(rows: readonly ReadRow[], numEvents: number, startedAtMs: number): CheckResult {
  const ours = rows.filter(
    (r) => r.value === START_MARKER || r.value === END_MARKER || (r.value >= 1 && r.value <= numEvents),
  );
  const checked = checkStream(
    ours.map((r) => ({
      value: r.value,
      atMs: r.visibleAtMs - startedAtMs,
      emittedAtMs: r.emittedAtMs - startedAtMs,
    })),
    numEvents,
  );
  const attempts = new Map<number, number[]>();
  let highestRead = 0;
  for (const { value, attempt } of ours) {
    if (value < 1) continue;
    if (value > highestRead) highestRead = value;
    const list = attempts.get(value);
    if (list === undefined) attempts.set(value, [attempt]);
    else list.push(attempt);
  }
  const writers = new Map<number, number[]>();
  for (const v of checked.duplicates) writers.set(v, attempts.get(v)!);
  return {
    ...checked,
    lines: checked.lines.map((l) => ({ line: l.line, atMs: l.atMs + startedAtMs })),
    writers,
    highestRead,
  };
}
