import {
  FAULT_KINDS,
  type Fault,
  type MetricsBucket,
  type MetricsTotals,
  NOTIFY_TARGETS,
  type Report,
  type RunEnding,
  type Scenario,
  type Sentence,
  type SimEvent,
  scenarioInputSchema,
  type Verdict,
  WRITER_MODES,
} from '@eolab/engine';
import { z } from 'zod';
import { boundedJson } from './json-shape';
import type { SweepProgress } from './sweeps';

export * from './facts';
export * from './json-shape';
export * from './messages';
export * from './sweeps';
export * from './values';

/**
 * The shared contract between the server and the dashboard. Both import it; nothing is declared
 * twice. Event names are `domain:verb`. Types are not validation: every client payload is parsed
 * with the schemas below before use. Version 2: a run's last delta carries its `outcome`, no
 * longer the whole report (a client fetches that over REST).
 */
export const PROTOCOL_VERSION = 2;

export const RUN_STATES = [
  'created',
  'running',
  'paused',
  'finished',
  'failed',
  'stopped',
  'interrupted',
] as const;
export type RunState = (typeof RUN_STATES)[number];

/** Virtual milliseconds per wall millisecond; 'max' runs as fast as the machine allows. */
export const SPEEDS = ['1x', '10x', '100x', 'max'] as const;
export type Speed = (typeof SPEEDS)[number];

/** Where a run happens: the model, or the job for real against PostgreSQL (packages/postgres-backend). */
export const BACKENDS = ['simulated', 'postgres'] as const;
export type BackendKind = (typeof BACKENDS)[number];

/** The backend of the run on screen, and its server's version once known (`SELECT version()`). */
export interface RunBackend {
  kind: BackendKind;
  version: string | null;
}

export const MAX_RUN_NAME = 200;
/** Protocol events sent in one delta; the rest are counted in `eventsDropped`. */
export const MAX_EVENTS_PER_DELTA = 100;
/** Recent protocol events in a snapshot. */
export const MAX_SNAPSHOT_EVENTS = 2000;

/**
 * The narration: the server feeds every event of a run (including those thinned out of deltas and
 * those older than the snapshot's window) to the engine's Narrator, so its sentences and counts
 * are the whole run's and agree with the report. A snapshot carries the newest page
 * (NARRATION_PAGE sentences); each delta carries the sentences told since the previous one and
 * the pending ones; `GET /api/runs/:id/narration?from&limit` pages through the rest. A finished
 * run keeps its narration in the run store, so it survives the run and a server restart.
 */
export const NARRATION_PAGE = 200;
/** The most sentences one `GET /api/runs/:id/narration` answers with. */
export const MAX_NARRATION_PAGE = 1000;

/**
 * A page of a run's narration: `sentences` are told sentences number `from` to
 * `from + sentences.length - 1` (numbered from 0, in time order) of `total` told so far. `pending`
 * is what the narrator is still gathering (the current millisecond, quiet checkpoints being
 * summed up): shown after the told ones, replaced whole by each update, never appended to.
 */
export interface NarrationPage {
  from: number;
  sentences: Sentence[];
  total: number;
  pending: Sentence[];
}

/** `GET /api/runs/:id/narration?from&limit`: from the start by default, NARRATION_PAGE at a time. */
export const narrationQuery = z.strictObject({
  from: z.coerce.number().int().min(0).max(1_000_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(MAX_NARRATION_PAGE).default(NARRATION_PAGE),
});

export interface RunSummary {
  id: string;
  name: string;
  mode: Scenario['mode'];
  state: RunState;
  verdict: Verdict | null;
  numEvents: number;
  faultCount: number;
  createdAt: string;
  finishedAt: string | null;
  /** The run this one replays, for comparisons. */
  replayOf: string | null;
  /**
   * For a run created by `POST /api/runs/import` from an export that carried a report: whether the
   * re-run produced exactly that report (null until it ends, and for every other run). Optional so
   * older clients and stored rows stay valid.
   */
  reproducesExport?: boolean | null;
  /** Where it ran: the model, or PostgreSQL with real processes. Optional: older clients omit it. */
  backend?: BackendKind;
  /** What its report says in a few numbers, for the Runs list: null until it ended (absent from older servers). */
  figures?: RunFigures | null;
}

/** A report's figures the Runs list shows, sorts and filters by. */
export interface RunFigures {
  ending: RunEnding;
  duplicates: number;
  /** Emitted, never made visible. */
  lost: number;
  /** Never emitted: the job failed for good (or the run was stopped) before its source reached them. */
  neverEmitted: number;
  durationMs: number;
}

export function figuresOf(report: Report): RunFigures {
  const { counts } = report;
  return {
    ending: report.ending,
    duplicates: counts.duplicates,
    lost: counts.lost,
    neverEmitted: counts.neverEmitted,
    durationMs: report.durationMs,
  };
}

/** How the Runs list can be sorted (`GET /api/runs?sort=`): newest first by default. */
export const RUN_SORTS = ['newest', 'oldest', 'duplicates', 'lost', 'duration', 'faults'] as const;
export type RunSort = (typeof RUN_SORTS)[number];

export interface RunSnapshot {
  protocolVersion: number;
  run: RunSummary;
  scenario: Scenario;
  /** The scenario's faults plus the ones injected while running, with their virtual times. */
  faultTimeline: Fault[];
  speed: Speed;
  nowMs: number;
  totals: MetricsTotals;
  bucketMs: number;
  layoutVersion: number;
  buckets: MetricsBucket[];
  /** The most recent protocol events (at most MAX_SNAPSHOT_EVENTS). */
  events: SimEvent[];
  eventsDropped: number;
  /**
   * How many events the run had emitted when this snapshot was taken: every event numbered below it
   * is in the snapshot or left out for good, so a client drops delta events numbered below it.
   */
  eventCursor: number;
  report: Report | null;
  /** Absent from older servers: then the run is simulated. */
  backend?: RunBackend;
  /** The newest page of the whole run's narration (absent from older servers). */
  narration?: NarrationPage;
}

export interface RunDelta {
  runId: string;
  /** Increments by one per delta of a run, so a client can tell when it missed one. */
  seq: number;
  state: RunState;
  speed: Speed;
  nowMs: number;
  totals: MetricsTotals;
  bucketMs: number;
  layoutVersion: number;
  /** Buckets from `fromBucket` on, replacing what the client holds there (the last one may have grown). */
  fromBucket: number;
  buckets: MetricsBucket[];
  /**
   * Protocol events since the previous delta, at most MAX_EVENTS_PER_DELTA. At max speed only
   * milestones (checkpoints completed, failures, restores, faults, the checker's lines), at most a
   * few of each kind per delta, every `fault-injected` included.
   */
  events: SimEvent[];
  /** Each event's number in the run's sequence of events (see RunSnapshot.eventCursor). */
  eventNumbers: number[];
  /** Protocol events since the previous delta that were left out of this one. */
  eventsDropped: number;
  /**
   * The run's outcome in a few numbers: set on its last delta (and on every delta after a stop),
   * else null. The full report (tens of KB) is not pushed to every watcher: a client fetches it
   * once, with the run's snapshot, from `GET /api/runs/:id`.
   */
  outcome: RunOutcome | null;
  /** The server's wall-clock time (ms since the epoch) when it sent this delta, for latency figures. */
  sentAt: number;
  /** Absent from older servers: then the run is simulated. */
  backend?: RunBackend;
  /**
   * Sentences told since the previous delta (`from` is the first one's number; a client whose
   * list does not end there missed some and may page them in) and the pending ones. Absent from
   * older servers.
   */
  narration?: NarrationPage;
}

/** What a run's last delta says of its report: the verdict, how the run ended and the counts behind it. */
export interface RunOutcome {
  verdict: Verdict;
  finished: Report['finished'];
  /** Absent from older servers. */
  ending?: RunEnding;
  counts: Report['counts'];
}

/** The outcome a report's last delta carries. */
export function outcomeOf(report: Report): RunOutcome {
  return { verdict: report.verdict, finished: report.finished, ending: report.ending, counts: report.counts };
}

// ---- REST responses (under /api) ----

/** `GET /api/health`: liveness plus the server process's own load figures (used by the load benchmark). */
export interface HealthResponse {
  ok: true;
  protocolVersion: number;
  uptimeS: number;
  /** `process.cpuUsage()` since the process started, in microseconds. */
  cpu: { user: number; system: number };
  rssBytes: number;
  heapUsedBytes: number;
  /** Runs created, running or paused right now. */
  activeRuns: number;
  /** Connected socket.io clients. */
  sockets: number;
  /**
   * CPU time (microseconds, user + system) the process spent sending deltas to watchers since it
   * started: the fan-out's own cost, apart from the simulation's (absent from older servers).
   */
  deltaSendCpuUs?: number;
  /** Whether runs are being stored (absent from older servers). */
  store?: StoreStatus;
  /** The PostgreSQL real runs use (absent from older servers). */
  postgres?: PostgresStatus;
  /** Several servers, one lab: null when this server runs alone (absent from older servers). */
  cluster?: ClusterStatus | null;
}

/** A server with EOLAB_REDIS_URL or EOLAB_DATABASE_URL: its part in the cluster (issue 22). */
export interface ClusterStatus {
  /** This server's id: the runs it creates are its own in the shared history. */
  serverId: string;
  /**
   * EOLAB_REDIS_URL (its password hidden), whether this server's connection to it is up, and how
   * many other servers are joined to the cluster through it (subscribed to its channel; null while
   * Redis is out of reach). Null: no Redis, this server's sockets are its own.
   */
  redis: { url: string; reachable: boolean; peers: number | null } | null;
  /** Where run history lives: this server's SQLite, or PostgreSQL shared by every server. */
  history: 'sqlite' | 'postgres';
  /** Where the Sweeps page's sweeps on the model run: this server's threads, or the fleet's `eolab worker`s. */
  sweeps: 'threads' | 'fleet';
}

/**
 * The real backend's PostgreSQL: `not-started` until the first real run asks for it; `failed`
 * when it died without being asked (a fresh one is being started); `unavailable` when it could not
 * be started (real runs get 503 with the reason).
 */
export interface PostgresStatus {
  state: 'not-started' | 'starting' | 'ready' | 'failed' | 'unavailable';
  /** `SELECT version()` of the last one that started. */
  version: string | null;
  /** The last death or failed start, and when. */
  lastFailure: { at: string; reason: string } | null;
}

/** The run store's state: a disk that refuses writes makes the server degraded, not dead. */
export interface StoreStatus {
  /** False while the store refuses writes (runs keep streaming; saves are retried). */
  writable: boolean;
  /** When the current failure began (ISO time), else null. */
  failingSince: string | null;
  /** The last refused write and its cause. */
  lastError: string | null;
  /** Ended runs kept in memory because their final save was refused. */
  unsavedRuns: number;
  /**
   * Writes accepted but not yet on disk (they go to a writer thread: a stalled disk delays them,
   * not the server), and how long the oldest has waited (absent from older servers).
   */
  pendingWrites?: number;
  oldestPendingMs?: number | null;
}

/**
 * `GET /api/runs?limit&offset&mode&verdict&ending&backend&sort`: newest first unless `sort` says
 * otherwise; `total` counts every run the filters match.
 */
export interface RunsPage {
  runs: RunSummary[];
  total: number;
}

/** `POST /api/runs`, `POST /api/runs/import`, `POST /api/runs/:id/replay` (status 201). */
export interface CreatedRun {
  runId: string;
  run: RunSummary;
}

/** `GET /api/runs/:id/export`: one document that reproduces the run (the scenario's faults are the full fault timeline). */
export interface ExportedRun {
  format: 'eolab-run';
  version: 1;
  exportedAt: string;
  name: string;
  scenario: Scenario;
  /** The run's report; null when it was exported before it ended. */
  report: Report | null;
}

/** Every REST error: the message names the field (`field.path: message`) where there is one. */
export interface ErrorResponse {
  error: string;
}

export type Ack<T> = { ok: true; data: T } | { ok: false; error: string };

export interface ServerToClientEvents {
  'run:snapshot': (snapshot: RunSnapshot) => void;
  'run:delta': (delta: RunDelta) => void;
  'runs:changed': (summary: RunSummary) => void;
  'runs:deleted': (payload: { runId: string }) => void;
  'sweep:progress': (progress: SweepProgress) => void;
}

export interface ClientToServerEvents {
  'run:create': (payload: unknown, ack: (result: Ack<{ runId: string }>) => void) => void;
  'run:watch': (payload: unknown, ack: (result: Ack<RunSnapshot>) => void) => void;
  'run:unwatch': (payload: unknown, ack: (result: Ack<null>) => void) => void;
  'run:control': (payload: unknown, ack: (result: Ack<RunSummary>) => void) => void;
  'run:speed': (payload: unknown, ack: (result: Ack<RunSummary>) => void) => void;
  'run:inject': (payload: unknown, ack: (result: Ack<{ fault: Fault }>) => void) => void;
}

// ---- Schemas for everything a client may send (REST bodies and socket payloads) ----

export const runIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'expected a run id' });

export const createRunSchema = boundedJson(
  z
    .strictObject({
      preset: z.string().max(64).optional(),
      scenario: scenarioInputSchema.optional(),
      mode: z.enum(WRITER_MODES).optional(),
      name: z.string().max(MAX_RUN_NAME).optional(),
      speed: z.enum(SPEEDS).optional(),
      /** Start at once (default true). */
      start: z.boolean().optional(),
      replayOf: runIdSchema.optional(),
      /** Where to run it (default simulated); a postgres run goes in real time, without speed or pause. */
      backend: z.enum(BACKENDS, { error: `expected one of ${BACKENDS.join(', ')}` }).optional(),
    })
    .refine((p) => (p.preset === undefined) !== (p.scenario === undefined), {
      error: 'give exactly one of preset or scenario',
    }),
);
export type CreateRunRequest = z.output<typeof createRunSchema>;

export const watchSchema = boundedJson(z.strictObject({ runId: runIdSchema }));

export const controlSchema = boundedJson(
  z.strictObject({
    runId: runIdSchema,
    action: z.enum(['start', 'pause', 'resume', 'stop']),
  }),
);

/**
 * `POST /api/runs/import`: a document from `GET /api/runs/:id/export`. The scenario is parsed
 * again on the server; when a report is given, the re-run is checked against it
 * (`RunSummary.reproducesExport`).
 */
export const importRunSchema = boundedJson(
  z.strictObject({
    format: z.literal('eolab-run', { error: "expected 'eolab-run' (a file from GET /api/runs/:id/export)" }),
    version: z.literal(1, { error: 'expected 1' }),
    exportedAt: z.string().max(100).optional(),
    name: z.string().max(MAX_RUN_NAME).optional(),
    scenario: z.unknown(),
    report: z.record(z.string(), z.unknown()).nullable().optional(),
  }),
);

/**
 * `POST /api/runs/:id/replay`: the same scenario and fault timeline in another writer mode, or on
 * the other backend (the model against PostgreSQL).
 */
export const replaySchema = boundedJson(
  z.strictObject({
    mode: z.enum(WRITER_MODES),
    speed: z.enum(SPEEDS).optional(),
    backend: z.enum(BACKENDS, { error: `expected one of ${BACKENDS.join(', ')}` }).optional(),
  }),
);

export const speedSchema = boundedJson(z.strictObject({ runId: runIdSchema, speed: z.enum(SPEEDS) }));

/**
 * A fault injected while the run goes on: now (right after `seenMs`, the time the person saw, or
 * else the server's next virtual millisecond),
 * at a virtual time still ahead (`atMs`), or at a checkpoint (`checkpoint`: K or `next`). The
 * engine refuses, with a reason, what the run cannot take.
 */
export const injectSchema = boundedJson(
  z.strictObject({
    runId: runIdSchema,
    fault: z.strictObject({
      kind: z.enum(FAULT_KINDS),
      durationMs: z.int().min(1).max(3_600_000).optional(),
      atMs: z
        .int()
        .min(0)
        .max(2 ** 30)
        .optional(),
      checkpoint: z
        .union([
          z
            .int()
            .min(1)
            .max(2 ** 30),
          z.literal('next'),
        ])
        .optional(),
      target: z.union([z.enum(NOTIFY_TARGETS), z.int().min(0).max(15)]).optional(),
      subtask: z.int().min(0).max(15).optional(),
    }),
    /**
     * The virtual time the dashboard showed when the person clicked: a fault for "now" acts right
     * after it, even though the server has moved on since.
     */
    seenMs: z
      .int()
      .min(0)
      .max(2 ** 30)
      .optional(),
  }),
);
export type InjectRequest = z.output<typeof injectSchema>;
