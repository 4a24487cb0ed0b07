import type { SimEvent } from '@eolab/engine';
import type { RunState, RunSummary } from '@eolab/protocol';
import type { RetentionConfig } from '../config';
import { StartupError } from '../startup-error';
import {
  type RunFilter,
  type RunRow,
  rowOf,
  type StoredRun,
  type SummaryRow,
  storedOf,
  summaryOf,
} from './db';
import { PgError, type PgResult, type PgStep, PgThread } from './pg-thread';
import type { RunHistory } from './run-history';

/**
 * Run history in PostgreSQL (EOLAB_DATABASE_URL), shared by every server of a cluster: any server
 * lists every run, reads a finished run's report, and a run of a server that died is marked
 * interrupted by the others, with what it had saved (its progress is saved every 2 s).
 *
 * The same interface as SQLite's store (RunHistory): reads wait for PostgreSQL's answer (see
 * pg-thread.ts), inserts and deletes too (their outcome decides what the caller answers), and a
 * run's final save (another server reads the run as soon as its last delta arrives); the other
 * saves are queued, in order, one at a time, and one PostgreSQL refuses for a reason that may pass
 * (a dropped connection, a restart) is retried every 2 s at the head of the queue.
 *
 * Each server registers itself in `eolab_history_servers` and stamps it every second; a run
 * belongs to the server that created it (`owner`). A live run whose owner has not stamped for
 * OWNER_DEAD_S is interrupted by whichever server looks first (the UPDATE's RETURNING tells just
 * that one), which then tells the run's watchers.
 */

const LIVE_STATES = "('created', 'running', 'paused')";
/** A server that has not stamped its row for this long is dead: its live runs are interrupted. */
export const OWNER_DEAD_S = 5;
const HEARTBEAT_MS = 1_000;
const REAP_MS = 2_000;
const RETRY_MS = 2_000;
/** Reads and inserts wait this long for PostgreSQL before they fail (the caller answers 503). */
const SYNC_TIMEOUT_MS = 5_000;

const RUN_COLUMNS = [
  'id',
  'name',
  'mode',
  'state',
  'verdict',
  'num_events',
  'scenario',
  'faults',
  'report',
  'bucket_ms',
  'buckets',
  'now_ms',
  'created_at',
  'finished_at',
  'replay_of',
  'expected_report',
  'reproduces',
  'backend',
  'ending',
  'duplicates',
  'lost',
  'never_emitted',
  'duration_ms',
  'narration',
] as const satisfies readonly (keyof RunRow)[];
/** What a save changes of a run's row (its identity, scenario and origin never change). */
const UPDATED_COLUMNS = [
  'name',
  'state',
  'verdict',
  'faults',
  'report',
  'bucket_ms',
  'buckets',
  'now_ms',
  'finished_at',
  'reproduces',
  'ending',
  'duplicates',
  'lost',
  'never_emitted',
  'duration_ms',
  'narration',
] as const satisfies readonly (keyof RunRow)[];

/**
 * One query string, so one implicit transaction: servers starting together would otherwise race
 * in CREATE TABLE IF NOT EXISTS (a duplicate key in pg_class); the transaction-scoped advisory
 * lock makes the second wait until the first committed its tables. The sweeps' table is created
 * under the same lock (sweeps/pg-sweep-store.ts).
 */
export const SCHEMA_LOCK = 'SELECT pg_advisory_xact_lock(7741230);';
const SCHEMA = `
  ${SCHEMA_LOCK}
  CREATE TABLE IF NOT EXISTS eolab_history_runs (
    seq BIGSERIAL NOT NULL, id TEXT PRIMARY KEY, name TEXT NOT NULL, mode TEXT NOT NULL,
    state TEXT NOT NULL, verdict TEXT, num_events INTEGER NOT NULL, scenario TEXT NOT NULL,
    faults TEXT NOT NULL, fault_count INTEGER NOT NULL, report TEXT, bucket_ms DOUBLE PRECISION NOT NULL,
    buckets TEXT NOT NULL, now_ms DOUBLE PRECISION NOT NULL, created_at TEXT NOT NULL, finished_at TEXT,
    replay_of TEXT, expected_report TEXT, reproduces INTEGER, backend TEXT, ending TEXT,
    duplicates INTEGER, lost INTEGER, never_emitted INTEGER, duration_ms DOUBLE PRECISION,
    narration TEXT, owner TEXT
  );
  CREATE INDEX IF NOT EXISTS eolab_history_runs_seq ON eolab_history_runs (seq);
  CREATE INDEX IF NOT EXISTS eolab_history_runs_live ON eolab_history_runs (state) WHERE state IN ${LIVE_STATES};
  CREATE TABLE IF NOT EXISTS eolab_history_events (
    run_id TEXT NOT NULL, seq INTEGER NOT NULL, event TEXT NOT NULL, PRIMARY KEY (run_id, seq)
  );
  CREATE TABLE IF NOT EXISTS eolab_history_live_events (run_id TEXT PRIMARY KEY, events TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS eolab_history_facts (
    run_id TEXT PRIMARY KEY, facts BYTEA NOT NULL, deflated BOOLEAN NOT NULL DEFAULT false
  );
  CREATE TABLE IF NOT EXISTS eolab_history_servers (
    id TEXT PRIMARY KEY, address TEXT NOT NULL, seen_at TIMESTAMPTZ NOT NULL
  );
`;

const ORDER_BY: Record<NonNullable<RunFilter['sort']>, string> = {
  newest: 'seq DESC',
  oldest: 'seq ASC',
  duplicates: 'COALESCE(duplicates, -1) DESC, seq DESC',
  lost: 'COALESCE(lost, -1) DESC, seq DESC',
  duration: 'COALESCE(duration_ms, -1) DESC, seq DESC',
  faults: 'fault_count DESC, seq DESC',
};

const SUMMARY_COLUMNS =
  'id, name, mode, state, verdict, num_events, created_at, finished_at, replay_of, reproduces, backend, ending, duplicates, lost, never_emitted, duration_ms, fault_count';
const ROW_CHARS =
  'length(scenario) + length(faults) + COALESCE(length(report), 0) + length(buckets) + COALESCE(length(expected_report), 0) + COALESCE(length(narration), 0)';
/** The servers that stamped their row lately: the living ones (a sweep of any other is orphaned too). */
export const LIVE_SERVERS = `SELECT id FROM eolab_history_servers WHERE seen_at > now() - interval '${OWNER_DEAD_S} seconds'`;
/** A server's live runs whose owner stopped stamping its row: what `reap` and a start interrupt. */
const ORPHANED = `state IN ${LIVE_STATES} AND (owner IS NULL OR owner NOT IN (${LIVE_SERVERS}))`;

/** A URL with its password hidden, for messages and logs. */
export function redacted(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(not a URL)';
  }
}

/** SQLSTATE classes retrying cannot fix: data exceptions (22) and integrity violations (23). */
const permanent = (error: unknown) => error instanceof PgError && /^2[23]/.test(error.code ?? '');

interface QueuedWrite {
  runId: string;
  steps: PgStep[];
  queuedAt: number;
}

export class PgRunStore implements RunHistory {
  private readonly pg: PgThread;
  private readonly queue: QueuedWrite[] = [];
  private writing = false;
  private retry: NodeJS.Timeout | null = null;
  private drained: (() => void)[] = [];
  private timers: NodeJS.Timeout[] = [];
  private owner: string | null = null;
  private closed = false;
  /** Told of each write's outcome (null: it succeeded), so health can say the store refuses writes. */
  onOutcome: (what: string, error: Error | null) => void = () => {};
  /** Told of a write dropped because PostgreSQL refused it for a reason retrying cannot fix. */
  onDropped: (runId: string, why: string) => void = () => {};

  /** Connects and creates the tables when missing; a database that cannot be used is a StartupError naming it. */
  constructor(url: string) {
    this.pg = new PgThread(url, SYNC_TIMEOUT_MS);
    try {
      this.pg.runSync([{ sql: SCHEMA, params: [] }]);
    } catch (error) {
      this.pg.close();
      throw new StartupError(
        `cannot use the PostgreSQL at ${redacted(url)} (EOLAB_DATABASE_URL) for run history: ${(error as Error).message}`,
      );
    }
  }

  /**
   * Registers this server as `serverId` (its runs are stamped with it), stamps it every second and,
   * every two, interrupts the live runs of servers that stopped stamping; `onInterrupted` is told
   * the runs this server interrupted, to tell their watchers.
   */
  joinCluster(
    serverId: string,
    /** host:port, asked at each stamp: a server on port 0 knows its port once it listens. */
    address: () => string,
    onInterrupted: (runIds: string[]) => void,
  ): void {
    this.owner = serverId;
    const stamp = (): PgStep => ({
      sql: `INSERT INTO eolab_history_servers (id, address, seen_at) VALUES ($1, $2, now())
            ON CONFLICT (id) DO UPDATE SET seen_at = now(), address = $2`,
      params: [serverId, address()],
    });
    this.pg.runSync([stamp()]);
    const every = (ms: number, work: () => Promise<unknown>) => {
      const timer = setInterval(() => void work().catch(() => {}), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(HEARTBEAT_MS, () => this.pg.run([stamp()]));
    every(REAP_MS, async () => {
      const [result] = await this.pg.run([
        {
          sql: `UPDATE eolab_history_runs SET state = 'interrupted' WHERE ${ORPHANED} RETURNING id`,
          params: [],
        },
      ]);
      const ids = (result?.rows ?? []).map((r) => String(r.id));
      if (ids.length > 0 && !this.closed) onInterrupted(ids);
    });
  }

  /** At a start: live runs of servers that are gone (this one's earlier life included) are interrupted. */
  markInterrupted(): number {
    return this.one({
      sql: `UPDATE eolab_history_runs SET state = 'interrupted' WHERE ${ORPHANED}`,
      params: [],
    }).rowCount;
  }

  /** Reports of version 1 were never stored here: nothing to upgrade. */
  failedRunsWithOlderReports(): string[] {
    return [];
  }

  insert(run: StoredRun): void {
    const row = rowOf(run);
    const columns = [...RUN_COLUMNS, 'fault_count', 'owner'];
    const values = [...RUN_COLUMNS.map((c) => row[c]), run.faultTimeline.length, this.owner];
    this.one({
      sql: `INSERT INTO eolab_history_runs (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
      params: values,
    });
  }

  save(run: StoredRun, events: SimEvent[] | null, facts: Uint8Array | null = null): void {
    const id = run.summary.id;
    const steps = [this.updateRun(run)];
    if (facts !== null)
      steps.push({
        sql: `INSERT INTO eolab_history_facts (run_id, facts, deflated) VALUES ($1, $2, false)
              ON CONFLICT (run_id) DO UPDATE SET facts = $2, deflated = false`,
        params: [id, facts],
      });
    if (events === null) {
      this.enqueue(id, steps);
      return;
    }
    steps.push({ sql: 'DELETE FROM eolab_history_events WHERE run_id = $1', params: [id] });
    steps.push({ sql: 'DELETE FROM eolab_history_live_events WHERE run_id = $1', params: [id] });
    // One statement for the whole window: a row per event, numbered as they come.
    steps.push({
      sql: `INSERT INTO eolab_history_events (run_id, seq, event)
            SELECT $1, (n - 1)::int, e FROM unnest($2::text[]) WITH ORDINALITY AS t(e, n)`,
      params: [id, events.map((e) => JSON.stringify(e))],
    });
    this.saveEnded(id, steps);
  }

  /**
   * A run's final save (its final events) is written before the caller goes on, as SQLite's is:
   * its last delta goes out after it, and another server that reads the run on that delta must find
   * it ended. Saves of the run still queued are older and covered by this one: they are dropped, so
   * none can land after it. One already sent is ahead of it on the connection. A refusal throws
   * (the run manager keeps the run in memory and saves it again later).
   */
  private saveEnded(id: string, steps: PgStep[]): void {
    const inFlight = this.writing ? this.queue[0] : undefined;
    const kept = this.queue.filter((w) => w === inFlight || w.runId !== id);
    this.queue.splice(0, this.queue.length, ...kept);
    this.pg.runSync(steps, true);
  }

  saveProgress(run: StoredRun, events: SimEvent[]): void {
    const id = run.summary.id;
    this.enqueue(id, [
      this.updateRun(run),
      {
        sql: `INSERT INTO eolab_history_live_events (run_id, events) VALUES ($1, $2)
              ON CONFLICT (run_id) DO UPDATE SET events = $2`,
        params: [id, JSON.stringify(events)],
      },
    ]);
  }

  setState(id: string, state: RunState): void {
    this.enqueue(id, [
      { sql: 'UPDATE eolab_history_runs SET state = $1 WHERE id = $2', params: [state, id] },
    ]);
  }

  stateOf(id: string): RunState | null {
    const row = this.one({ sql: 'SELECT state FROM eolab_history_runs WHERE id = $1', params: [id] }).rows[0];
    return row === undefined ? null : (row.state as RunState);
  }

  get(id: string): StoredRun | null {
    const row = this.one({ sql: 'SELECT * FROM eolab_history_runs WHERE id = $1', params: [id] }).rows[0];
    return row === undefined ? null : storedOf(row as unknown as RunRow);
  }

  events(id: string): SimEvent[] {
    const [ended, live] = this.pg.runSync([
      { sql: 'SELECT event FROM eolab_history_events WHERE run_id = $1 ORDER BY seq', params: [id] },
      { sql: 'SELECT events FROM eolab_history_live_events WHERE run_id = $1', params: [id] },
    ]);
    if ((ended?.rows.length ?? 0) > 0) return ended!.rows.map((r) => JSON.parse(String(r.event)) as SimEvent);
    const log = live?.rows[0];
    return log === undefined ? [] : (JSON.parse(String(log.events)) as SimEvent[]);
  }

  facts(id: string): { bytes: Uint8Array; deflated: boolean } | null {
    const row = this.one({
      sql: 'SELECT facts, deflated FROM eolab_history_facts WHERE run_id = $1',
      params: [id],
    }).rows[0];
    if (row === undefined) return null;
    return { bytes: row.facts as Uint8Array, deflated: row.deflated === true };
  }

  deflateFacts(id: string, deflated: Uint8Array): void {
    this.enqueue(id, [
      {
        sql: 'UPDATE eolab_history_facts SET facts = $1, deflated = true WHERE run_id = $2',
        params: [deflated, id],
      },
    ]);
  }

  list(filter: RunFilter): { runs: RunSummary[]; total: number } {
    const where: string[] = [];
    const params: unknown[] = [];
    const equals = (column: string, value: string | undefined) => {
      if (value === undefined) return;
      params.push(value);
      where.push(`${column} = $${params.length}`);
    };
    equals('mode', filter.mode);
    equals('verdict', filter.verdict);
    equals('ending', filter.ending);
    if (filter.backend !== undefined)
      where.push(
        filter.backend === 'postgres'
          ? "backend = 'postgres'"
          : "COALESCE(backend, 'simulated') = 'simulated'",
      );
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const [page, count] = this.pg.runSync([
      {
        sql: `SELECT ${SUMMARY_COLUMNS} FROM eolab_history_runs ${clause}
              ORDER BY ${ORDER_BY[filter.sort ?? 'newest']} LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        params: [...params, filter.limit, filter.offset],
      },
      { sql: `SELECT COUNT(*)::int AS total FROM eolab_history_runs ${clause}`, params },
    ]);
    return {
      runs: (page?.rows ?? []).map((r) => summaryOf(r as unknown as SummaryRow)),
      total: Number(count?.rows[0]?.total ?? 0),
    };
  }

  prune(retention: RetentionConfig, keep: (id: string) => boolean): string[] {
    let { runs, bytes: total } = this.usage();
    if (runs <= retention.maxRuns && total <= retention.maxBytes) return [];
    const oldest = this.one({
      sql: `SELECT id, (${ROW_CHARS}
              + COALESCE((SELECT SUM(length(event)) FROM eolab_history_events WHERE run_id = r.id), 0)
              + COALESCE((SELECT length(events) FROM eolab_history_live_events WHERE run_id = r.id), 0)
              + COALESCE((SELECT octet_length(facts) FROM eolab_history_facts WHERE run_id = r.id), 0))::float8 AS bytes
            FROM eolab_history_runs r ORDER BY seq ASC`,
      params: [],
    }).rows as { id: string; bytes: number }[];
    const deleted: string[] = [];
    for (const row of oldest) {
      if (runs <= retention.maxRuns && total <= retention.maxBytes) break;
      if (keep(row.id)) continue;
      if (this.delete(row.id)) deleted.push(row.id);
      runs--;
      total -= row.bytes;
    }
    return deleted;
  }

  usage(): { runs: number; bytes: number } {
    const row = this.one({
      sql: `SELECT (SELECT COUNT(*) FROM eolab_history_runs)::int AS runs,
              ((SELECT COALESCE(SUM(${ROW_CHARS}), 0) FROM eolab_history_runs)
              + (SELECT COALESCE(SUM(length(event)), 0) FROM eolab_history_events)
              + (SELECT COALESCE(SUM(length(events)), 0) FROM eolab_history_live_events)
              + (SELECT COALESCE(SUM(octet_length(facts)), 0) FROM eolab_history_facts))::float8 AS bytes`,
      params: [],
    }).rows[0];
    return { runs: Number(row?.runs ?? 0), bytes: Number(row?.bytes ?? 0) };
  }

  delete(id: string): boolean {
    const results = this.pg.runSync(
      [
        { sql: 'DELETE FROM eolab_history_events WHERE run_id = $1', params: [id] },
        { sql: 'DELETE FROM eolab_history_live_events WHERE run_id = $1', params: [id] },
        { sql: 'DELETE FROM eolab_history_facts WHERE run_id = $1', params: [id] },
        { sql: 'DELETE FROM eolab_history_runs WHERE id = $1', params: [id] },
      ],
      true,
    );
    return (results[3]?.rowCount ?? 0) > 0;
  }

  /** Resolves once every queued save is in PostgreSQL, or after `withinMs`. */
  settled(withinMs: number): Promise<void> {
    if (this.queue.length === 0 && !this.writing) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, withinMs);
      this.drained.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Saves waiting for PostgreSQL, and how long the oldest has waited (health reports them). */
  backlog(): { writes: number; oldestMs: number | null } {
    const oldest = this.queue[0];
    return {
      writes: this.queue.length,
      oldestMs: oldest === undefined ? null : performance.now() - oldest.queuedAt,
    };
  }

  /** Runs whose saves PostgreSQL has not taken yet (a stop says which). */
  unwritten(): string[] {
    return [...new Set(this.queue.map((w) => w.runId))];
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    if (this.retry !== null) clearTimeout(this.retry);
    // A server that stops on purpose leaves the cluster at once: its row goes (its runs have ended).
    if (this.owner !== null)
      this.pg
        .run([{ sql: 'DELETE FROM eolab_history_servers WHERE id = $1', params: [this.owner] }])
        // Gone anyway: its row ages past OWNER_DEAD_S.
        .catch(() => {});
    this.pg.close();
  }

  private one(step: PgStep): PgResult {
    return this.pg.runSync([step])[0]!;
  }

  private updateRun(run: StoredRun): PgStep {
    const row = rowOf(run);
    const sets = UPDATED_COLUMNS.map((c, i) => `${c} = $${i + 2}`);
    return {
      sql: `UPDATE eolab_history_runs SET ${sets.join(', ')}, fault_count = $${UPDATED_COLUMNS.length + 2} WHERE id = $1`,
      params: [row.id, ...UPDATED_COLUMNS.map((c) => row[c]), run.faultTimeline.length],
    };
  }

  private enqueue(runId: string, steps: PgStep[]): void {
    this.queue.push({ runId, steps, queuedAt: performance.now() });
    this.writeNext();
  }

  private writeNext(): void {
    if (this.writing || this.retry !== null || this.closed) return;
    const next = this.queue[0];
    if (next === undefined) {
      for (const resolve of this.drained.splice(0)) resolve();
      return;
    }
    this.writing = true;
    this.pg.run(next.steps, true).then(
      () => {
        this.writing = false;
        this.queue.shift();
        this.onOutcome('write', null);
        this.writeNext();
      },
      (error: Error) => {
        this.writing = false;
        if (permanent(error)) {
          this.queue.shift();
          this.onDropped(next.runId, error.message);
          this.writeNext();
          return;
        }
        this.onOutcome('write', error);
        this.retry = setTimeout(() => {
          this.retry = null;
          this.writeNext();
        }, RETRY_MS);
        this.retry.unref();
      },
    );
  }
}
