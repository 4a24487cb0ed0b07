import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Fault,
  type MetricsBucket,
  type Report,
  type ReportV1,
  type Scenario,
  type Sentence,
  type SimEvent,
  upgradeReport,
} from '@eolab/engine';
import { figuresOf, type RunSort, type RunState, type RunSummary } from '@eolab/protocol';

import Database from 'better-sqlite3';
import type { RetentionConfig } from '../config';
import { causeOf, StartupError } from '../startup-error';

/** What the database keeps of a run: everything needed to show it again or reproduce it. */
export interface StoredRun {
  summary: RunSummary;
  scenario: Scenario;
  faultTimeline: Fault[];
  report: Report | null;
  bucketMs: number;
  buckets: MetricsBucket[];
  nowMs: number;
  /** For an imported run: the exported report it must reproduce. */
  expectedReport?: unknown;
  /** The whole run's narration (absent from rows stored before narrations were). */
  narration?: Sentence[];
}

export interface RunRow {
  id: string;
  name: string;
  mode: string;
  state: string;
  verdict: string | null;
  num_events: number;
  scenario: string;
  faults: string;
  report: string | null;
  bucket_ms: number;
  buckets: string;
  now_ms: number;
  created_at: string;
  finished_at: string | null;
  replay_of: string | null;
  expected_report: string | null;
  reproduces: number | null;
  /** 'postgres' for a real run; 'simulated' (or NULL in rows written before the column) for the model. */
  backend: string | null;
  /** The report's figures (see RunFigures); NULL until the run ended. */
  ending: string | null;
  duplicates: number | null;
  lost: number | null;
  never_emitted: number | null;
  duration_ms: number | null;
  /** The narration's sentences as JSON (NULL in rows written before the column). */
  narration: string | null;
}

const SUMMARY_COLUMNS =
  'id, name, mode, state, verdict, num_events, created_at, finished_at, replay_of, reproduces, backend, ending, duplicates, lost, never_emitted, duration_ms';

/** How each sort orders the rows; rowid breaks ties, newest first. */
const ORDER_BY: Record<RunSort, string> = {
  newest: 'rowid DESC',
  oldest: 'rowid ASC',
  duplicates: 'COALESCE(duplicates, -1) DESC, rowid DESC',
  lost: 'COALESCE(lost, -1) DESC, rowid DESC',
  duration: 'COALESCE(duration_ms, -1) DESC, rowid DESC',
  faults: 'fault_count DESC, rowid DESC',
};

export type SummaryRow = Pick<
  RunRow,
  | 'id'
  | 'name'
  | 'mode'
  | 'state'
  | 'verdict'
  | 'num_events'
  | 'created_at'
  | 'finished_at'
  | 'replay_of'
  | 'reproduces'
  | 'backend'
  | 'ending'
  | 'duplicates'
  | 'lost'
  | 'never_emitted'
  | 'duration_ms'
> & { fault_count: number };

export function summaryOf(row: SummaryRow): RunSummary {
  return {
    id: row.id,
    name: row.name,
    mode: row.mode as RunSummary['mode'],
    state: row.state as RunState,
    verdict: row.verdict as RunSummary['verdict'],
    numEvents: row.num_events,
    faultCount: row.fault_count,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    replayOf: row.replay_of,
    reproducesExport: row.reproduces === null ? null : row.reproduces === 1,
    backend: row.backend === 'postgres' ? 'postgres' : 'simulated',
    figures:
      row.ending === null
        ? null
        : {
            ending: row.ending as NonNullable<RunSummary['figures']>['ending'],
            duplicates: row.duplicates ?? 0,
            lost: row.lost ?? 0,
            neverEmitted: row.never_emitted ?? 0,
            durationMs: row.duration_ms ?? 0,
          },
  };
}

/** What a row of `runs` holds, in bytes of JSON (what retention counts). */
const ROW_BYTES =
  'length(scenario) + length(faults) + COALESCE(length(report), 0) + length(buckets) + COALESCE(length(expected_report), 0) + COALESCE(length(narration), 0)';

export interface RunFilter {
  mode?: string;
  verdict?: string;
  ending?: string;
  backend?: string;
  sort?: RunSort;
  limit: number;
  offset: number;
}

/** Run history in SQLite (WAL), in the data directory. */
/** One statement of a write: its SQL and its parameters (positional, or named as `@name`). */
export interface WriteStep {
  sql: string;
  params: unknown[] | Record<string, unknown>;
}

export class RunStore {
  protected readonly db: Database.Database;
  private olderFailedRuns: string[] = [];
  /** The database file (a background writer opens its own connection to it). */
  readonly file: string;

  /** Opens (or creates) the database; a data directory that cannot hold it is a StartupError naming the path. */
  constructor(dataDir: string) {
    const file = join(dataDir, 'eolab.sqlite');
    this.file = file;
    try {
      mkdirSync(dataDir, { recursive: true });
      this.db = new Database(file);
      this.migrate();
      // A store that opens but cannot be written (a read-only file) is found here, not at the first
      // save: rewriting the header's user_version is a real write that changes nothing.
      const version = this.db.pragma('user_version', { simple: true }) as number;
      this.db.pragma(`user_version = ${version}`);
    } catch (error) {
      throw new StartupError(
        `cannot use the data directory ${dataDir} (EOLAB_DATA_DIR) for ${file}: ${causeOf(error)}`,
      );
    }
  }

  private migrate(): void {
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS runs (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, mode TEXT NOT NULL, state TEXT NOT NULL,
        verdict TEXT, num_events INTEGER NOT NULL, scenario TEXT NOT NULL, faults TEXT NOT NULL,
        report TEXT, bucket_ms INTEGER NOT NULL DEFAULT 10, buckets TEXT NOT NULL DEFAULT '[]',
        now_ms INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, finished_at TEXT, replay_of TEXT
      );
      CREATE INDEX IF NOT EXISTS runs_mode ON runs (mode);
      CREATE INDEX IF NOT EXISTS runs_verdict ON runs (verdict);
      CREATE TABLE IF NOT EXISTS run_events (
        run_id TEXT NOT NULL, seq INTEGER NOT NULL, event TEXT NOT NULL, PRIMARY KEY (run_id, seq)
      );
      CREATE TABLE IF NOT EXISTS live_event_log (run_id TEXT PRIMARY KEY, events TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS run_facts (
        run_id TEXT PRIMARY KEY, facts BLOB NOT NULL, deflated INTEGER NOT NULL DEFAULT 0
      );
    `);
    this.addColumnIfMissing('expected_report', 'TEXT');
    this.addColumnIfMissing('reproduces', 'INTEGER');
    this.addColumnIfMissing('backend', 'TEXT');
    for (const [name, type] of [
      ['ending', 'TEXT'],
      ['duplicates', 'INTEGER'],
      ['lost', 'INTEGER'],
      ['never_emitted', 'INTEGER'],
      ['duration_ms', 'INTEGER'],
    ] as const)
      this.addColumnIfMissing(name, type);
    this.addColumnIfMissing('narration', 'TEXT');
    this.fillFiguresOfOlderRuns();
  }

  /**
   * Rows an older server wrote have reports of version 1 and no figures: fill them from the report
   * as `upgradeReport` reads it (a stopped run is judged again on what it saw: no EXACTLY_ONCE for
   * it, no missing values; a failed job's missing values all count as lost, since which of them
   * were never emitted cannot be told from the report: RunManager re-runs the model for those).
   */
  private fillFiguresOfOlderRuns(): void {
    const stopped = "state = 'stopped' AND json_extract(report, '$.finished') = 0";
    const older = "ending IS NULL AND report IS NOT NULL AND json_extract(report, '$.version') = 1";
    // Read before the figures fill them in: once filled, a row is never looked at again.
    this.olderFailedRuns = (
      this.db
        .prepare(
          `SELECT id FROM runs WHERE ${older} AND NOT (${stopped})
           AND json_extract(report, '$.finished') = 0 AND COALESCE(backend, 'simulated') = 'simulated'`,
        )
        .all() as { id: string }[]
    ).map((r) => r.id);
    this.db.exec(`
      UPDATE runs SET
        ending = CASE WHEN json_extract(report, '$.finished') = 1 THEN 'finished'
                      WHEN ${stopped} THEN 'stopped' ELSE 'job-failed' END,
        duplicates = json_extract(report, '$.counts.duplicates'),
        lost = CASE WHEN ${stopped} THEN 0 ELSE json_extract(report, '$.counts.missing') END,
        never_emitted = 0,
        duration_ms = json_extract(report, '$.durationMs'),
        verdict = CASE WHEN ${stopped} THEN
                    CASE WHEN json_extract(report, '$.counts.duplicates') > 0 THEN 'DUPLICATES' ELSE 'INCOMPLETE' END
                  ELSE verdict END
      WHERE ${older};
    `);
  }

  /**
   * Simulated runs whose job failed, stored by an older version, whose figures this start filled
   * in (see older-reports.ts). Each is offered once: a run the model cannot reproduce, or too large
   * to re-run, keeps version 1's account and costs no later start anything.
   */
  failedRunsWithOlderReports(): string[] {
    return this.olderFailedRuns;
  }

  /** Databases written by an older server lack the newer columns; add them in place. */
  private addColumnIfMissing(name: string, type: string): void {
    const columns = this.db.prepare('PRAGMA table_info(runs)').all() as { name: string }[];
    if (!columns.some((c) => c.name === name)) this.db.exec(`ALTER TABLE runs ADD COLUMN ${name} ${type}`);
  }

  /** Runs that were live when the server died can never resume: mark them interrupted. */
  markInterrupted(): number {
    return this.db
      .prepare("UPDATE runs SET state = 'interrupted' WHERE state IN ('created', 'running', 'paused')")
      .run().changes;
  }

  /**
   * Runs a write's statements in one transaction and returns each one's changes. Here on this
   * thread; a subclass may queue them for another (store-worker.ts), returning nothing.
   */
  protected write(steps: WriteStep[], _runId: string): number[] | null {
    const tx = this.db.transaction(() =>
      steps.map((step) => {
        const statement = this.db.prepare(step.sql);
        return Array.isArray(step.params)
          ? statement.run(...step.params).changes
          : statement.run(step.params).changes;
      }),
    );
    return tx();
  }

  insert(run: StoredRun): void {
    const sql = `INSERT INTO runs (id, name, mode, state, verdict, num_events, scenario, faults, report, bucket_ms, buckets, now_ms, created_at, finished_at, replay_of, expected_report, reproduces, backend, ending, duplicates, lost, never_emitted, duration_ms, narration)
         VALUES (@id, @name, @mode, @state, @verdict, @num_events, @scenario, @faults, @report, @bucket_ms, @buckets, @now_ms, @created_at, @finished_at, @replay_of, @expected_report, @reproduces, @backend, @ending, @duplicates, @lost, @never_emitted, @duration_ms, @narration)`;
    this.write([{ sql, params: { ...rowOf(run) } }], run.summary.id);
  }

  /**
   * Saves the run's state; when `events` are given (its final, bounded window), they become the
   * run's stored events, one row each; `facts`, its whole record of checkpoints and transactions
   * (facts/run-facts.ts), is kept beside them.
   */
  save(run: StoredRun, events: SimEvent[] | null, facts: Uint8Array | null = null): void {
    const id = run.summary.id;
    const steps = [this.updateRun(rowOf(run))];
    if (facts !== null)
      steps.push({
        sql: 'INSERT OR REPLACE INTO run_facts (run_id, facts, deflated) VALUES (?, ?, 0)',
        params: [id, facts],
      });
    if (events !== null) {
      steps.push({ sql: 'DELETE FROM run_events WHERE run_id = ?', params: [id] });
      steps.push({ sql: 'DELETE FROM live_event_log WHERE run_id = ?', params: [id] });
      for (const [i, e] of events.entries())
        steps.push({
          sql: 'INSERT INTO run_events (run_id, seq, event) VALUES (?, ?, ?)',
          params: [id, i, JSON.stringify(e)],
        });
    }
    this.write(steps, id);
  }

  /**
   * Saves a live run's progress: its state and metrics, and its bounded event window as one JSON
   * value (a few milliseconds, against ~12 for a row per event), so that a run interrupted later
   * keeps what it streamed until now.
   */
  saveProgress(run: StoredRun, events: SimEvent[]): void {
    const id = run.summary.id;
    this.write(
      [
        this.updateRun(rowOf(run)),
        {
          sql: 'INSERT OR REPLACE INTO live_event_log (run_id, events) VALUES (?, ?)',
          params: [id, JSON.stringify(events)],
        },
      ],
      id,
    );
  }

  private updateRun(row: RunRow): WriteStep {
    return {
      sql: `UPDATE runs SET name=@name, state=@state, verdict=@verdict, faults=@faults, report=@report,
         bucket_ms=@bucket_ms, buckets=@buckets, now_ms=@now_ms, finished_at=@finished_at, reproduces=@reproduces,
         ending=@ending, duplicates=@duplicates, lost=@lost, never_emitted=@never_emitted, duration_ms=@duration_ms,
         narration=@narration
         WHERE id=@id`,
      params: { ...row },
    };
  }

  setState(id: string, state: RunState): void {
    this.write([{ sql: 'UPDATE runs SET state = ? WHERE id = ?', params: [state, id] }], id);
  }

  /** The stored state of a run, without reading the rest of it. */
  stateOf(id: string): RunState | null {
    const row = this.db.prepare('SELECT state FROM runs WHERE id = ?').get(id) as
      | { state: RunState }
      | undefined;
    return row?.state ?? null;
  }

  get(id: string): StoredRun | null {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    return row === undefined ? null : storedOf(row);
  }

  /** A run's stored events: its final window, or for a run that never ended, the window of its last save. */
  events(id: string): SimEvent[] {
    const rows = this.db.prepare('SELECT event FROM run_events WHERE run_id = ? ORDER BY seq').all(id) as {
      event: string;
    }[];
    if (rows.length > 0) return rows.map((r) => JSON.parse(r.event) as SimEvent);
    const log = this.db.prepare('SELECT events FROM live_event_log WHERE run_id = ?').get(id) as
      | { events: string }
      | undefined;
    return log === undefined ? [] : (JSON.parse(log.events) as SimEvent[]);
  }

  /**
   * A run's stored record of checkpoints and transactions, raw or deflated (raw deflate), or null:
   * a run stored before records were kept, or one that never ended.
   */
  facts(id: string): { bytes: Uint8Array; deflated: boolean } | null {
    const row = this.db.prepare('SELECT facts, deflated FROM run_facts WHERE run_id = ?').get(id) as
      | { facts: Buffer; deflated: number }
      | undefined;
    if (row === undefined) return null;
    const bytes = new Uint8Array(row.facts.buffer, row.facts.byteOffset, row.facts.byteLength);
    return { bytes, deflated: row.deflated === 1 };
  }

  /** Replaces a run's stored record with its deflated bytes (a run deleted meanwhile is left alone). */
  deflateFacts(id: string, deflated: Uint8Array): void {
    this.write(
      [{ sql: 'UPDATE run_facts SET facts = ?, deflated = 1 WHERE run_id = ?', params: [deflated, id] }],
      id,
    );
  }

  list(filter: RunFilter): { runs: RunSummary[]; total: number } {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: filter.limit, offset: filter.offset };
    if (filter.mode !== undefined) {
      where.push('mode = @mode');
      params.mode = filter.mode;
    }
    if (filter.verdict !== undefined) {
      where.push('verdict = @verdict');
      params.verdict = filter.verdict;
    }
    if (filter.ending !== undefined) {
      where.push('ending = @ending');
      params.ending = filter.ending;
    }
    if (filter.backend !== undefined) {
      where.push(
        filter.backend === 'postgres'
          ? "backend = 'postgres'"
          : "COALESCE(backend, 'simulated') = 'simulated'",
      );
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    // Only the summary columns: a page of runs must not parse every run's series and report.
    const rows = this.db
      .prepare(
        `SELECT ${SUMMARY_COLUMNS}, json_array_length(faults) AS fault_count FROM runs ${clause}
         ORDER BY ${ORDER_BY[filter.sort ?? 'newest']} LIMIT @limit OFFSET @offset`,
      )
      .all(params) as SummaryRow[];
    const { total } = this.db.prepare(`SELECT COUNT(*) AS total FROM runs ${clause}`).get(params) as {
      total: number;
    };
    return { runs: rows.map(summaryOf), total };
  }

  /**
   * Deletes stored runs, oldest first, until at most `maxRuns` remain and they take at most
   * `maxBytes` (their JSON and their records of facts), skipping the runs `keep` names (live or watched ones).
   * Returns the ids deleted.
   */
  prune(retention: RetentionConfig, keep: (id: string) => boolean): string[] {
    let { runs, bytes: total } = this.usage();
    if (runs <= retention.maxRuns && total <= retention.maxBytes) return [];
    const deleted: string[] = [];
    const oldest = this.db
      .prepare(
        `SELECT id, ${ROW_BYTES} + COALESCE((SELECT SUM(length(event)) FROM run_events WHERE run_id = runs.id), 0)
           + COALESCE((SELECT length(events) FROM live_event_log WHERE run_id = runs.id), 0)
           + COALESCE((SELECT length(facts) FROM run_facts WHERE run_id = runs.id), 0) AS bytes
         FROM runs ORDER BY rowid ASC`,
      )
      .iterate() as IterableIterator<{ id: string; bytes: number }>;
    const victims: { id: string; bytes: number }[] = [];
    for (const row of oldest) {
      if (runs <= retention.maxRuns && total <= retention.maxBytes) break;
      if (keep(row.id)) continue;
      victims.push(row);
      runs--;
      total -= row.bytes;
    }
    for (const victim of victims) if (this.delete(victim.id)) deleted.push(victim.id);
    return deleted;
  }

  /** Stored runs and the bytes they hold (JSON, and their records of facts: what retention counts). */
  usage(): { runs: number; bytes: number } {
    return this.db
      .prepare(
        `SELECT (SELECT COUNT(*) FROM runs) AS runs,
           (SELECT COALESCE(SUM(${ROW_BYTES}), 0) FROM runs) + (SELECT COALESCE(SUM(length(event)), 0) FROM run_events)
           + (SELECT COALESCE(SUM(length(events)), 0) FROM live_event_log)
           + (SELECT COALESCE(SUM(length(facts)), 0) FROM run_facts) AS bytes`,
      )
      .get() as { runs: number; bytes: number };
  }

  delete(id: string): boolean {
    const changes = this.write(
      [
        { sql: 'DELETE FROM run_events WHERE run_id = ?', params: [id] },
        { sql: 'DELETE FROM live_event_log WHERE run_id = ?', params: [id] },
        { sql: 'DELETE FROM run_facts WHERE run_id = ?', params: [id] },
        { sql: 'DELETE FROM runs WHERE id = ?', params: [id] },
      ],
      id,
    );
    return (changes?.[3] ?? 0) > 0;
  }

  /** Resolves once every accepted write is on disk, or after `withinMs` (a store that writes here: at once). */
  async settled(_withinMs: number): Promise<void> {}

  close(): void {
    this.db.close();
  }
}

/** A run as a row of `runs` (SQLite) or `eolab_history_runs` (PostgreSQL): JSON text in columns. */
export function rowOf(run: StoredRun): RunRow {
  const s = run.summary;
  const figures = run.report === null ? null : figuresOf(run.report);
  return {
    id: s.id,
    name: s.name,
    mode: s.mode,
    state: s.state,
    verdict: s.verdict,
    num_events: s.numEvents,
    scenario: JSON.stringify(run.scenario),
    faults: JSON.stringify(run.faultTimeline),
    report: run.report === null ? null : JSON.stringify(run.report),
    bucket_ms: run.bucketMs,
    buckets: JSON.stringify(run.buckets),
    now_ms: run.nowMs,
    created_at: s.createdAt,
    finished_at: s.finishedAt,
    replay_of: s.replayOf,
    expected_report: run.expectedReport === undefined ? null : JSON.stringify(run.expectedReport),
    reproduces: s.reproducesExport == null ? null : Number(s.reproducesExport),
    backend: s.backend ?? 'simulated',
    ending: figures?.ending ?? null,
    duplicates: figures?.duplicates ?? null,
    lost: figures?.lost ?? null,
    never_emitted: figures?.neverEmitted ?? null,
    duration_ms: figures?.durationMs ?? null,
    narration: run.narration === undefined ? null : JSON.stringify(run.narration),
  };
}

/** A stored row back as a run (an older report upgraded as it is read). */
export function storedOf(row: RunRow): StoredRun {
  const faults = JSON.parse(row.faults) as Fault[];
  return {
    summary: summaryOf({ ...row, fault_count: faults.length }),
    scenario: JSON.parse(row.scenario) as Scenario,
    faultTimeline: faults,
    report:
      row.report === null
        ? null
        : upgradeReport(JSON.parse(row.report) as Report | ReportV1, row.state === 'stopped'),
    bucketMs: row.bucket_ms,
    buckets: JSON.parse(row.buckets) as MetricsBucket[],
    nowMs: row.now_ms,
    expectedReport: row.expected_report === null ? undefined : (JSON.parse(row.expected_report) as unknown),
    ...(row.narration === null ? {} : { narration: JSON.parse(row.narration) as Sentence[] }),
  };
}
