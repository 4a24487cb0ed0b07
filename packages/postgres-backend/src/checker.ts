import { CHECKER_ENDS, CHECKER_STARTS, FOUND_DUPLICATES, NO_DUPLICATE } from '@eolab/engine';
import type pg from 'pg';
import { END_MARKER, START_MARKER } from './source';

/** One committed row, in the order the reader sees it. */
export interface ReadRow {
  value: number;
  attempt: number;
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
    `SELECT e.value, e.attempt, e.emitted_at,
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
    visibleAtMs: Number(r.visible_at),
    emittedAtMs: Number(r.emitted_at),
  }));
}

export interface CheckResult {
  /** The sample's checker lines, each at the time of the row that printed it. */
  lines: { line: string; atMs: number }[];
  markerWindow: { lines: string[]; verdict: 'EXACTLY_ONCE' | 'DUPLICATES' | null; duplicates: number };
  duplicates: number[];
  missing: number[];
  duplicateReads: number;
  read: number;
  /** Per duplicate value, the attempts whose rows were read, in read order. */
  writers: Map<number, number[]>;
  /** Visibility latency of each value's first read (commit time minus first emission). */
  latenciesMs: number[];
}

/**
 * The two checkers of the engine, fed the committed rows in commit order. The marker-window
 * checker is the sample's ExactlyOnceChecker: `Checker starts` at a start marker (clearing its set),
 * `Duplicate event: V` as a duplicate arrives, the verdict and `Checker ends` at an end marker
 * (clearing again when it found duplicates); markers go through its set too. The whole-stream
 * checker counts every read of 1..N and reports duplicates and the values never read.
 */
export function check(rows: readonly ReadRow[], numEvents: number): CheckResult {
  const reads = new Uint32Array(numEvents + 1);
  const writers = new Map<number, number[]>();
  const lines: CheckResult['lines'] = [];
  let window = new Set<number>();
  let windowDuplicates = 0;
  let marker: CheckResult['markerWindow'] = { lines: [], verdict: null, duplicates: 0 };
  const latenciesMs: number[] = [];
  let duplicateReads = 0;
  let read = 0;

  const print = (line: string, atMs: number) => {
    lines.push({ line, atMs });
    marker.lines.push(line);
  };
  const throughWindow = (value: number, atMs: number) => {
    if (window.has(value)) {
      windowDuplicates++;
      print(`Duplicate event: ${value}`, atMs);
    } else window.add(value);
  };

  for (const row of rows) {
    const { value, visibleAtMs: at } = row;
    if (value === START_MARKER) {
      window = new Set();
      windowDuplicates = 0;
      marker = { lines: [], verdict: null, duplicates: 0 };
      print(CHECKER_STARTS, at);
      continue;
    }
    if (value === END_MARKER) {
      const found = windowDuplicates > 0;
      marker.verdict = found ? 'DUPLICATES' : 'EXACTLY_ONCE';
      marker.duplicates = windowDuplicates;
      print(found ? FOUND_DUPLICATES : NO_DUPLICATE, at);
      print(CHECKER_ENDS, at);
      if (found) {
        window = new Set();
        windowDuplicates = 0;
      }
      throughWindow(END_MARKER, at);
      continue;
    }
    if (!(value >= 1 && value <= numEvents)) continue;
    read++;
    if (reads[value] === 0) latenciesMs.push(Math.max(0, Math.round(at - row.emittedAtMs)));
    else duplicateReads++;
    reads[value]!++;
    const w = writers.get(value);
    if (w === undefined) writers.set(value, [row.attempt]);
    else w.push(row.attempt);
    throughWindow(value, at);
  }
  const duplicates: number[] = [];
  const missing: number[] = [];
  for (let v = 1; v <= numEvents; v++) {
    if (reads[v]! > 1) duplicates.push(v);
    if (reads[v] === 0) missing.push(v);
  }
  for (const v of [...writers.keys()]) if (reads[v]! < 2) writers.delete(v);
  return { lines, markerWindow: marker, duplicates, missing, duplicateReads, read, writers, latenciesMs };
}
