import type pg from 'pg';

/**
 * The tables the job writes and the checker reads. Several runs share them (an external server
 * keeps every run's rows), keyed by `run`.
 *
 * Commit order: a row's place in the stream is when it became visible. A plain insert commits
 * as it runs, so its bigserial id is its order. A prepared transaction becomes visible at COMMIT
 * PREPARED, which cannot run inside a transaction block, so it cannot number its own rows: the
 * committer records the commit in `eolab_commits` right after it (its seq is the commit order) and
 * the checker reads a transaction's rows at its commit's place.
 */
export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS eolab_events (
  id bigserial PRIMARY KEY,
  run text NOT NULL,
  value integer NOT NULL,
  subtask integer NOT NULL,
  attempt integer NOT NULL,
  txn text,
  emitted_at double precision NOT NULL,
  written_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS eolab_events_run_txn ON eolab_events (run, txn);
CREATE TABLE IF NOT EXISTS eolab_commits (
  seq bigserial PRIMARY KEY,
  run text NOT NULL,
  gid text NOT NULL UNIQUE,
  txn text NOT NULL,
  committed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
`;

/** Creates the tables once; the advisory lock keeps two runs from racing on CREATE TABLE. */
export async function ensureSchema(client: pg.Client): Promise<void> {
  await client.query('SELECT pg_advisory_lock(424242)');
  try {
    await client.query(SCHEMA_SQL);
  } finally {
    await client.query('SELECT pg_advisory_unlock(424242)');
  }
}

/** PostgreSQL's answer to COMMIT/ROLLBACK PREPARED of a gid it does not hold (42704 undefined_object). */
export function isUnknownGid(error: unknown): boolean {
  return (error as { code?: string }).code === '42704';
}

/**
 * COMMIT PREPARED, recorded in the commit log. Already committed (a retry after a crash, or a
 * restore's recoverAndCommit) is a no-op, as in the connector; when the commit happened but its
 * record did not (a crash between the two), the record is written now. Returns what it found.
 */
export async function commitPrepared(
  client: pg.Client,
  run: string,
  gid: string,
  txn: string,
): Promise<'committed' | 'already-committed' | 'gone'> {
  try {
    await client.query(`COMMIT PREPARED '${gid}'`);
    await recordCommit(client, run, gid, txn);
    return 'committed';
  } catch (error) {
    if (!isUnknownGid(error)) throw error;
  }
  const recorded = await client.query('SELECT 1 FROM eolab_commits WHERE gid = $1', [gid]);
  if (recorded.rowCount! > 0) return 'already-committed';
  const rows = await client.query('SELECT 1 FROM eolab_events WHERE run = $1 AND txn = $2 LIMIT 1', [
    run,
    txn,
  ]);
  if (rows.rowCount! > 0) {
    await recordCommit(client, run, gid, txn);
    return 'already-committed';
  }
  return 'gone';
}

async function recordCommit(client: pg.Client, run: string, gid: string, txn: string): Promise<void> {
  await client.query(
    'INSERT INTO eolab_commits (run, gid, txn) VALUES ($1, $2, $3) ON CONFLICT (gid) DO NOTHING',
    [run, gid, txn],
  );
}

/** The run's transactions still prepared, oldest first, with their age. */
export async function preparedOfRun(
  client: pg.Client,
  prefix: string,
): Promise<{ gid: string; ageMs: number }[]> {
  const result = await client.query(
    `SELECT gid, extract(epoch FROM (now() - prepared)) * 1000 AS age_ms
       FROM pg_prepared_xacts
      WHERE database = current_database() AND starts_with(gid, $1)
      ORDER BY prepared`,
    [prefix],
  );
  return result.rows.map((r) => ({ gid: String(r.gid), ageMs: Number(r.age_ms) }));
}
