import {
  type Cause,
  type Causes,
  judge,
  REPORT_LOG_LIMIT,
  type Report,
  type Scenario,
  transactionalIdOf,
} from '@eolab/engine';
import type { JobResult, TimedLine } from '../coordinator/coordinator';
import type { CheckResult } from './checker';

/**
 * The engine's Report, from a real run, plus what only a real run has. The engine's Report type
 * says `backend: 'simulated'`; a real run says which store, and the extension lives here.
 */
export interface PostgresReport extends Report {
  backend: 'postgres';
  server: { version: string; kind: 'embedded' | 'external' };
  /** Names the run's rows and prepared transactions on the server. */
  runId: string;
  /** The task processes, one per attempt, with how each ended (times in ms from the job's start). */
  attempts: JobResult['attempts'];
}

export interface TxnCounts {
  committed: number;
  /** Still prepared at the end: rolled back by the run's cleanup. */
  open: number;
}

export function buildReport(
  scenario: Scenario,
  job: JobResult,
  checked: CheckResult,
  txns: TxnCounts,
  server: PostgresReport['server'],
  runId: string,
): PostgresReport {
  const log = mergeByTime(job.log, checked.lines);
  const duplicateCount = checked.duplicateCount;
  const ending = job.finished ? 'finished' : 'job-failed';
  const judged = judge({
    ending,
    numEvents: scenario.numEvents,
    // A finished job emitted everything; a value read was emitted, whatever the last progress
    // message said before a task was killed.
    emittedUpTo: job.finished ? scenario.numEvents : Math.max(job.emittedUpTo, checked.highestRead),
    duplicates: duplicateCount,
    unread: checked.missingCount,
  });
  const transactional = scenario.mode === 'EXACTLY_ONCE';
  const rel = (atMs: number) => Math.max(0, Math.round(atMs - job.startedAtMs));
  return {
    version: 2,
    name: scenario.name,
    mode: scenario.mode,
    seed: scenario.seed,
    numEvents: scenario.numEvents,
    verdict: judged.verdict,
    ending,
    duplicates: checked.duplicates,
    missing: checked.missing,
    markerWindow: checked.markerWindow,
    counts: {
      emitted: job.emitted,
      written: job.written,
      committed: checked.read,
      read: checked.read,
      duplicates: duplicateCount,
      duplicateReads: checked.duplicateReads,
      missing: judged.missing,
      lost: judged.lost,
      neverEmitted: judged.neverEmitted,
      writeFailures: 0,
    },
    checkpoints: job.checkpoints,
    restores: job.restores,
    restarts: job.restarts,
    transactions: transactional
      ? {
          begun: job.txnsBegun,
          committed: txns.committed,
          aborted: Math.max(0, job.txnsBegun - txns.committed - job.txnsExpired - txns.open),
          expired: job.txnsExpired,
          commitFailed: 0,
          open: txns.open,
        }
      : { begun: 0, committed: 0, aborted: 0, expired: 0, commitFailed: 0, open: 0 },
    latencyMs: checked.latencyMs,
    causes: causesOf(
      job,
      checked,
      rel,
      scenario.numEvents - judged.neverEmitted,
      scenario.system === 'kafka',
    ),
    log: log.slice(0, REPORT_LOG_LIMIT),
    logOmitted: Math.max(0, log.length - REPORT_LOG_LIMIT),
    finished: job.finished,
    durationMs: rel(job.endedAtMs),
    faults: scenario.faults,
    backend: 'postgres',
    server,
    runId,
    attempts: job.attempts.map((a) => ({
      ...a,
      startedAtMs: rel(a.startedAtMs),
      failure: a.failure === null ? null : { ...a.failure, atMs: rel(a.failure.atMs) },
    })),
  };
}

/** The writer's lines and the checker's, interleaved by when they happened, as the sample's two terminals would show. */
function mergeByTime(writer: TimedLine[], checker: TimedLine[]): string[] {
  const all = [...writer.map((l, i) => ({ ...l, i, w: 0 })), ...checker.map((l, i) => ({ ...l, i, w: 1 }))];
  all.sort((a, b) => a.atMs - b.atMs || a.w - b.w || a.i - b.i);
  return all.map((l) => l.line);
}

/**
 * Why each duplicate and missing value happened, from what the real run knows: which attempts'
 * rows were read for a value, how each attempt started and ended. Anything else is counted as
 * unexplained, honestly, rather than guessed.
 */
function causesOf(
  job: JobResult,
  checked: CheckResult,
  rel: (ms: number) => number,
  emittedUpTo: number,
  kafka: boolean,
): Causes {
  const groups = new Map<string, { values: number[]; first: number; again: number }>();
  let unexplainedDuplicates = 0;
  for (const value of checked.duplicates) {
    const attempts = checked.writers.get(value) ?? [];
    const first = attempts[0];
    const again = attempts.find((a) => a !== first);
    const restored = job.attempts.find((a) => a.attempt === again)?.restoredFrom;
    if (
      first === undefined ||
      again === undefined ||
      (restored !== null && restored !== undefined && value <= restored.position)
    ) {
      unexplainedDuplicates++;
      continue;
    }
    const key = `${first}>${again}`;
    const group = groups.get(key) ?? { values: [], first, again };
    group.values.push(value);
    groups.set(key, group);
  }
  const duplicates: Cause[] = [...groups.values()].map(({ values, first, again }) => {
    const failed = job.attempts.find((a) => a.attempt === again - 1);
    const restarted = job.attempts.find((a) => a.attempt === again)!;
    const failure = failed?.failure ?? null;
    const restore = restarted.restoredFrom;
    const restoreText =
      restore === null
        ? `attempt ${again} started from scratch (no completed checkpoint)`
        : `attempt ${again} restored from checkpoint ${restore.checkpointId} at position ${restore.position}`;
    const failureText =
      failure === null
        ? ''
        : `${failure.detail} failed attempt ${failed!.attempt} at ${rel(failure.atMs)} ms; `;
    return {
      kind: 'replayed-after-restore',
      ranges: ranges(values),
      count: values.length,
      text: `${rangeText(values)}: first visible from attempt ${first}; ${failureText}${restoreText} and wrote them again`,
      failure:
        failure === null
          ? null
          : {
              attempt: failed!.attempt,
              atMs: rel(failure.atMs),
              reason: failure.element !== null ? 'artificial-exception' : 'injected-crash',
              element: failure.element,
              detail: failure.detail,
            },
      restore: {
        attempt: again,
        checkpointId: restore?.checkpointId ?? null,
        position: restore?.position ?? -1,
        atMs: rel(restarted.startedAtMs),
      },
      txn: null,
      zombieAttempt: null,
      job: null,
    };
  });
  const missing: Cause[] = [];
  const notEmitted = checked.missing.filter((v) => v > emittedUpTo);
  let left = checked.missing.filter((v) => v <= emittedUpTo);
  // Values held by a pending transaction that a restore found rolled back (by the lease reaper or not).
  for (const lost of job.lostTxns) {
    const range = lost.pending.values;
    if (range === null) continue;
    // Round robin gives a subtask every p-th value of an epoch: the transaction's values are an
    // arithmetic run from first to last, whose step its count tells.
    const step = range.count > 1 ? (range.last - range.first) / (range.count - 1) : 1;
    const held = (v: number) =>
      v >= range.first && v <= range.last && (!Number.isInteger(step) || (v - range.first) % step === 0);
    const values = left.filter(held);
    if (values.length === 0) continue;
    left = left.filter((v) => !held(v));
    const expired = lost.expiredAtMs !== null;
    const k = lost.pending.kafka;
    const name =
      k === undefined
        ? `transaction cp${lost.pending.checkpointId}·s${lost.subtask} (${lost.pending.gid})`
        : `transaction cp${lost.pending.checkpointId}·s${lost.subtask} (${transactionalIdOf(k.id)}, producer ${k.producerId}, epoch ${k.epoch})`;
    const endedAtMs = rel(lost.expiredAtMs ?? lost.atMs);
    const expiredText = kafka
      ? `${rangeText(values)}: held in ${name}, whose first record was older than transaction.timeout.ms: the coordinator aborted it at ${endedAtMs} ms, and the recovery commit met ProducerFencedException and only logged it: lost silently, with no failover`
      : `${rangeText(values)}: held in ${name}, prepared longer than the lease: the lease reaper rolled it back at ${endedAtMs} ms, and the commit found it gone and only logged it: lost silently, with no failover`;
    const abortedText = kafka
      ? `${rangeText(values)}: held in ${name}, found aborted when the restore came to commit it at ${endedAtMs} ms`
      : `${rangeText(values)}: held in ${name}, found rolled back when the restore came to commit it at ${endedAtMs} ms`;
    missing.push({
      // Found gone by a commit, which only logs it: lost silently, as the model's txn-expired-silently.
      kind: expired ? 'txn-expired-silently' : 'txn-aborted',
      ranges: ranges(values),
      count: values.length,
      text: expired ? expiredText : abortedText,
      failure: null,
      restore: null,
      // PostgreSQL names a prepared transaction by its gid, not a number: txnId 0, the gid is in the name.
      txn: {
        txnId: 0,
        name,
        subtask: lost.subtask,
        // The attempt that wrote it: its rows are named a<attempt>-s<subtask>-e<epoch>.
        attempt: Number(/^a(\d+)-/.exec(lost.pending.txn)?.[1] ?? 0),
        checkpointId: lost.pending.checkpointId,
        endedAtMs,
      },
      zombieAttempt: null,
      job: null,
    });
  }
  if (left.length > 0 && !job.finished) {
    missing.push({
      kind: 'job-failed',
      ranges: ranges(left),
      count: left.length,
      text: `${rangeText(left)}: emitted, but never made visible: the job failed for good (restart attempts exhausted)`,
      failure: null,
      restore: null,
      txn: null,
      zombieAttempt: null,
      job: { reason: 'restart attempts exhausted', atMs: rel(job.endedAtMs) },
    });
    left = [];
  }
  if (notEmitted.length > 0) {
    const atMs = rel(job.endedAtMs);
    missing.push({
      kind: 'never-emitted',
      ranges: ranges(notEmitted),
      count: notEmitted.length,
      text: `${rangeText(notEmitted)}: never emitted: the job failed for good at ${atMs} ms (restart attempts exhausted) after its source reached value ${emittedUpTo}; an incomplete output, not a loss`,
      failure: null,
      restore: null,
      txn: null,
      zombieAttempt: null,
      job: { reason: 'restart attempts exhausted', atMs },
    });
  }
  const unexplainedMissing = left.length;
  return {
    duplicates,
    missing,
    unexplained: { duplicates: unexplainedDuplicates, missing: unexplainedMissing },
  };
}

function ranges(values: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const v of values) {
    const last = out[out.length - 1];
    if (last !== undefined && last[1] === v - 1) last[1] = v;
    else out.push([v, v]);
  }
  return out.slice(0, 200);
}

/** `17..24`, or for a transaction's every p-th value `115..215 (every 2nd, 51 values)`, as the engine writes them. */
function rangeText(values: number[]): string {
  const runs = ranges(values);
  const step = values.length > 2 ? values[1]! - values[0]! : 0;
  if (runs.length > 2 && step > 1 && values.every((v, i) => v === values[0]! + i * step)) {
    const suffix = step === 2 ? 'nd' : step === 3 ? 'rd' : 'th';
    return `${values[0]}..${values.at(-1)} (every ${step}${suffix}, ${values.length} values)`;
  }
  return runs.map(([lo, hi]) => (lo === hi ? `${lo}` : `${lo}..${hi}`)).join(', ');
}
