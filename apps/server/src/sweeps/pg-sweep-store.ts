import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { StoredSweepSpec, SweepDetail, SweepSummary } from '@eolab/protocol';
import type { Logger } from 'pino';
import { RunError } from '../runs/run-error';
import { StartupError } from '../startup-error';
import { LIVE_SERVERS, redacted, SCHEMA_LOCK } from '../store/pg-store';
import { type PgResult, type PgStep, PgThread } from '../store/pg-thread';
import { KEPT_SWEEPS, type RunningElsewhere, type StoredSweep, type SweepStore } from './sweep-store';

/**
 * Sweeps in PostgreSQL (EOLAB_DATABASE_URL), beside the run history and shared like it by every
 * server of a cluster: each server lists every sweep and reads any result; a running sweep's row
 * names its server (`owner`, the id it stamps in `eolab_history_servers`), which writes its
 * progress now and then. A unique index lets one sweep run at a time in the whole cluster: the
 * fleet's workers are shared, so a second sweep would only queue behind the first.
 *
 * Its own connection (a PgThread of its own, used only asynchronously): a result of 20,000
 * schedules is megabytes, and the run history's synchronous reads must not wait behind it. The
 * result (`{ result, verification }`) is stored gzipped: 20,000 random schedules with every
 * schedule's outcome are 5.5 MB of JSON and 0.23 MB gzipped, in 27 ms (docs/architecture.md).
 */

const SCHEMA = `
  ${SCHEMA_LOCK}
  CREATE TABLE IF NOT EXISTS eolab_history_sweeps (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, state TEXT NOT NULL, spec TEXT NOT NULL,
    done INTEGER NOT NULL, created_at TEXT NOT NULL, finished_at TEXT, violations INTEGER,
    error TEXT, fleet_workers INTEGER, result BYTEA
  );
  CREATE UNIQUE INDEX IF NOT EXISTS eolab_history_sweeps_one_running
    ON eolab_history_sweeps (state) WHERE state = 'running';
`;

const SUMMARY_COLUMNS = 'id, state, spec, done, created_at, finished_at, violations, error, fleet_workers';
/** Connecting, and the table's creation at start, wait this long. */
const CONNECT_MS = 5_000;

const zipped = promisify(gzip);
const unzipped = promisify(gunzip);

interface SummaryRow {
  id: string;
  state: SweepSummary['state'];
  spec: string;
  done: number;
  created_at: string;
  finished_at: string | null;
  violations: number | null;
  error: string | null;
  fleet_workers: number | null;
}

function summaryOf(row: SummaryRow): SweepSummary {
  return {
    id: row.id,
    state: row.state,
    spec: JSON.parse(row.spec) as StoredSweepSpec,
    done: row.done,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    violations: row.violations,
    error: row.error,
    ...(row.fleet_workers === null ? {} : { fleetWorkers: row.fleet_workers }),
  };
}

export class PgSweepStore implements SweepStore {
  private readonly pg: PgThread;
  /** Progress to write, the latest of each sweep; one write at a time. */
  private readonly pending = new Map<string, SweepSummary>();
  private writing = false;

  /**
   * @param serverId this server's id in `eolab_history_servers` (the run history stamps it): the
   *   owner of the sweeps it starts.
   */
  constructor(
    url: string,
    private readonly serverId: string,
    private readonly log: Logger,
  ) {
    this.pg = new PgThread(url, CONNECT_MS);
    try {
      this.pg.runSync([{ sql: SCHEMA, params: [] }]);
    } catch (error) {
      this.pg.close();
      throw new StartupError(
        `cannot use the PostgreSQL at ${redacted(url)} (EOLAB_DATABASE_URL) for sweeps: ${(error as Error).message}`,
      );
    }
  }

  async list(): Promise<SweepSummary[]> {
    const [page] = await this.query([
      { sql: `SELECT ${SUMMARY_COLUMNS} FROM eolab_history_sweeps ORDER BY created_at DESC`, params: [] },
    ]);
    return (page?.rows ?? []).map((r) => summaryOf(r as unknown as SummaryRow));
  }

  async get(id: string): Promise<StoredSweep | null> {
    const [found] = await this.query([
      {
        sql: `SELECT ${SUMMARY_COLUMNS}, owner, result FROM eolab_history_sweeps WHERE id = $1`,
        params: [id],
      },
    ]);
    const row = found?.rows[0];
    if (row === undefined) return null;
    const summary = summaryOf(row as unknown as SummaryRow);
    const stored =
      row.result === null
        ? { result: null }
        : (JSON.parse((await unzipped(row.result as Uint8Array)).toString('utf8')) as Pick<
            SweepDetail,
            'result' | 'verification'
          >);
    return { detail: { ...summary, ...stored }, owner: String(row.owner) };
  }

  async claim(s: SweepSummary): Promise<RunningElsewhere | null> {
    // The unique index on running sweeps refuses a second one: the insert then does nothing.
    for (let attempt = 0; attempt < 3; attempt++) {
      const [inserted, running] = await this.query([
        {
          sql: `INSERT INTO eolab_history_sweeps (id, owner, state, spec, done, created_at, fleet_workers)
                VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
          params: [
            s.id,
            this.serverId,
            s.state,
            JSON.stringify(s.spec),
            s.done,
            s.createdAt,
            s.fleetWorkers ?? null,
          ],
        },
        {
          sql: "SELECT id, owner FROM eolab_history_sweeps WHERE state = 'running' AND id <> $1",
          params: [s.id],
        },
      ]);
      if ((inserted?.rowCount ?? 0) > 0) return null;
      const other = running?.rows[0];
      // The running one ended between the two statements: try again.
      if (other !== undefined)
        return { id: String(other.id), owner: other.owner === this.serverId ? null : String(other.owner) };
    }
    throw new Error('a sweep could not be stored: another kept taking the running slot');
  }

  progress(summary: SweepSummary): void {
    this.pending.set(summary.id, { ...summary });
    void this.writeProgress();
  }

  async finish(detail: SweepDetail): Promise<void> {
    this.pending.delete(detail.id);
    const { result, verification } = detail;
    const bytes =
      result === null && verification == null ? null : await zipped(JSON.stringify({ result, verification }));
    // Written even over a row another server marked failed while this one could not stamp its
    // heartbeat: the result is what this server swept.
    await this.query([
      {
        sql: `UPDATE eolab_history_sweeps SET state = $2, done = $3, finished_at = $4, violations = $5,
                error = $6, fleet_workers = $7, result = $8 WHERE id = $1`,
        params: [
          detail.id,
          detail.state,
          detail.done,
          detail.finishedAt,
          detail.violations,
          detail.error,
          detail.fleetWorkers ?? null,
          bytes,
        ],
      },
      {
        sql: `DELETE FROM eolab_history_sweeps WHERE state <> 'running' AND id NOT IN (
                SELECT id FROM eolab_history_sweeps WHERE state <> 'running' ORDER BY created_at DESC LIMIT ${KEPT_SWEEPS})`,
        params: [],
      },
    ]);
  }

  async failOrphans(): Promise<SweepSummary[]> {
    const [failed] = await this.query([
      {
        sql: `UPDATE eolab_history_sweeps s SET state = 'failed', finished_at = $1,
                error = 'server ' || s.owner
                  || COALESCE(' (' || (SELECT address FROM eolab_history_servers WHERE id = s.owner) || ')', '')
                  || ' stopped while running it'
              WHERE state = 'running' AND owner NOT IN (${LIVE_SERVERS})
              RETURNING ${SUMMARY_COLUMNS}`,
        params: [new Date().toISOString()],
      },
    ]);
    return (failed?.rows ?? []).map((r) => summaryOf(r as unknown as SummaryRow));
  }

  close(): void {
    this.pg.close();
  }

  /** The statements' results; PostgreSQL's refusal (or absence) as a 503 that says so. */
  private async query(steps: PgStep[]): Promise<PgResult[]> {
    try {
      return await this.pg.run(steps);
    } catch (error) {
      throw new RunError(
        503,
        `the sweeps cannot be read or written in PostgreSQL right now (${(error as Error).message})`,
      );
    }
  }

  /** Writes the pending progress, the latest of each sweep, one batch at a time. */
  private async writeProgress(): Promise<void> {
    if (this.writing || this.pending.size === 0) return;
    this.writing = true;
    const batch = [...this.pending.values()];
    this.pending.clear();
    try {
      await this.query(
        batch.map((s) => ({
          // A sweep that ended (or was marked failed) keeps what its end wrote.
          sql: `UPDATE eolab_history_sweeps SET done = $2, fleet_workers = $3 WHERE id = $1 AND state = 'running'`,
          params: [s.id, s.done, s.fleetWorkers ?? null],
        })),
      );
    } catch (error) {
      // The next progress writes it again; a sweep's end is written on its own.
      this.log.warn({ err: error }, 'the progress of a sweep could not be stored');
    } finally {
      this.writing = false;
    }
    void this.writeProgress();
  }
}
