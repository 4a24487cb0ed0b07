import { randomBytes } from 'node:crypto';
import { type Fault, type Scenario, transactionalIdOf } from '@eolab/engine';
import { type CheckResult, check, type ReadRow, readCommitted } from './check/checker';
import { holdLine, readKafkaCommitted } from './check/kafka-reader';
import { buildReport, type PostgresReport, type TxnCounts } from './check/report';
import { Coordinator, type CoordinatorHooks, type JobResult } from './coordinator/coordinator';
import { unsupportedReasons } from './coordinator/faults';
import { gidPrefix } from './coordinator/messages';
import { abortTimedOut, ensureKafkaSchema, kafkaCommittedCount } from './postgres/kafka-schema';
import { ensureSchema, preparedOfRun } from './postgres/schema';
import { describe, type PostgresServer, PostgresUnavailableError, startPostgres } from './postgres/server';
import { Connection } from './task/connection';

/** The scenario asks for something the real backend cannot do; the message names each field. */
export class UnsupportedScenarioError extends Error {
  constructor(readonly reasons: string[]) {
    super(reasons.join('\n'));
  }
}

export interface RunOptions extends CoordinatorHooks {
  /** A server to use (tests share one); otherwise one is started (or EOLAB_POSTGRES_URL used) and stopped. */
  server?: PostgresServer;
  /** Give up on a job that has not ended by then (default: generous for the scenario). */
  timeoutMs?: number;
  /** The job has started: faults clicked while it runs, and a stop, go through this. */
  onJob?(job: JobControl): void;
  /** The checker has read the committed rows (commit order): the dashboard draws its reads from them. */
  onChecked?(rows: readonly ReadRow[], checked: CheckResult, jobStartMs: number): void;
}

/** What a caller may do to a real job while it runs. */
export interface JobControl {
  /** Injects a fault now (or at its atMs / checkpoint); throws with the reason when this backend cannot. */
  inject(fault: Fault): void;
  /** Kills the task process and ends the job (it is still checked and reported). */
  kill(): void;
  /** ms since the job's start. */
  elapsedMs(): number;
  /** The id the next checkpoint trigger takes. */
  upcomingCheckpointId(): number;
}

/** Runs the scenario's job for real against PostgreSQL and checks it: the engine's report, from real processes. */
export async function runOnPostgres(scenario: Scenario, options: RunOptions = {}): Promise<PostgresReport> {
  const reasons = unsupportedReasons(scenario);
  if (reasons.length > 0) throw new UnsupportedScenarioError(reasons);
  const server = options.server ?? (await startPostgres());
  // The coordinator's connection comes back after a store outage, as the writers' do.
  const admin = new Connection(server.url, scenario.sink.writerRetry);
  try {
    const serverReasons = unsupportedReasons(scenario, server);
    if (serverReasons.length > 0) throw new UnsupportedScenarioError(serverReasons);
    try {
      await admin.open();
      await admin.run(ensureSchema);
      if (scenario.system === 'kafka') await admin.run(ensureKafkaSchema);
    } catch (error) {
      throw new PostgresUnavailableError(`cannot prepare the database: ${describe(error)}`);
    }
    const runId = randomBytes(5).toString('hex');
    const coordinator = new Coordinator(scenario, runId, server.url, admin, options, server.outage);
    const timeoutMs = options.timeoutMs ?? defaultTimeoutMs(scenario);
    const timer = setTimeout(() => coordinator.kill(), timeoutMs);
    options.onJob?.(coordinator);
    const job = await coordinator.runJob().finally(() => clearTimeout(timer));
    // A job that ended during a store outage: the server comes back for the cleanup and the checker.
    await server.outage?.restart();
    if (!job.finished && job.log.at(-1)?.line !== 'Job failed: restart attempts exhausted') {
      job.log.push({
        line: `Job did not end within ${timeoutMs} ms: the task process was killed`,
        atMs: Date.now(),
      });
    }
    const { rows, txns } =
      scenario.system === 'kafka' ? await endKafka(admin, runId, job) : await endPravega(admin, runId);
    const checked = check(rows, scenario.numEvents, job.startedAtMs);
    options.onChecked?.(rows, checked, job.startedAtMs);
    return buildReport(scenario, job, checked, txns, { version: server.version, kind: server.kind }, runId);
  } finally {
    await admin.end();
    if (options.server === undefined) await server.stop();
  }
}

/** Prepared transactions left behind would hold their locks on the server forever: count them, roll them back. */
async function endPravega(admin: Connection, runId: string): Promise<{ rows: ReadRow[]; txns: TxnCounts }> {
  const left = await admin.run((c) => preparedOfRun(c, gidPrefix(runId)));
  for (const { gid } of left) await admin.run((c) => c.query(`ROLLBACK PREPARED '${gid}'`)).catch(() => {});
  const committed = await admin.run((c) =>
    c.query('SELECT count(*)::int AS n FROM eolab_commits WHERE run = $1', [runId]),
  );
  const rows = await admin.run((c) => readCommitted(c, runId));
  return { rows, txns: { committed: Number(committed.rows[0].n), open: left.length } };
}

/**
 * Transactions still ongoing when the job ended (one that failed for good leaves them) would hold
 * the partition's readers until their timeout, which the model waits for (KafkaStore.settledByMs):
 * the run does not wait the minutes, it aborts them now as the coordinator will, and counts them.
 * Then the read_committed consumer reads the log, and its stalls at the LSO are told.
 */
async function endKafka(
  admin: Connection,
  runId: string,
  job: JobResult,
): Promise<{ rows: ReadRow[]; txns: TxnCounts }> {
  const left = await admin.run((c) => abortTimedOut(c, runId, true));
  for (const txn of left)
    job.log.push({
      line: `Transaction ${transactionalIdOf(txn.id)} (producer ${txn.producerId}, epoch ${txn.epoch}) still ongoing at the job's end: aborted as the coordinator will at its timeout`,
      atMs: Date.now(),
    });
  const committed = await admin.run((c) => kafkaCommittedCount(c, runId));
  const { rows, holds } = await admin.run((c) => readKafkaCommitted(c, runId));
  for (const hold of holds) job.log.push({ line: holdLine(hold), atMs: hold.releasedAtMs });
  job.log.sort((a, b) => a.atMs - b.atMs);
  return { rows, txns: { committed, open: left.length } };
}

/** Real time the job needs: its events, its checkpoints and restarts, with a wide margin for a loaded machine. */
function defaultTimeoutMs(scenario: Scenario): number {
  const events = scenario.numEvents * Math.max(1, scenario.source.eventIntervalMs) * 2;
  const restarts = (scenario.restart.attempts + 1) * (scenario.restart.delayMs + 5_000);
  const outages = scenario.faults.reduce((sum, f) => sum + ('durationMs' in f ? f.durationMs : 0), 0);
  const checkpoints = (scenario.source.finalCheckpoints + 3) * scenario.checkpoint.intervalMs * 2;
  return 30_000 + events + restarts + checkpoints + 2 * outages;
}
