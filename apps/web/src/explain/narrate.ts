import { FAULT_DESCRIPTIONS, type SimEvent, txnName, type WriterMode } from '@eolab/engine';

export interface Sentence {
  t: number;
  kind: 'info' | 'good' | 'bad' | 'fault';
  text: string;
}

/** Events that may come between two commits of the same instant without splitting their sentence. */
const QUIET_BETWEEN_COMMITS = new Set<SimEvent['kind']>([
  'txn-committed',
  'console',
  'marker-emitted',
  'duplicate-found',
]);

/** Events that end a stretch of routine checkpoints. */
const NOTABLE = new Set<SimEvent['kind']>([
  'checkpoint-aborted',
  'task-failed',
  'job-restored',
  'job-failed',
  'job-finished',
  'fault-fired',
  'txn-expired',
  'txn-commit-failed',
  'duplicate-found',
  'value-missing',
  'run-ended',
]);

const range = (a: number, b: number) => (a === b ? `${a}` : `${a}–${b}`);
const joinLabels = (labels: string[]) =>
  labels.length <= 1 ? (labels[0] ?? '') : `${labels.slice(0, -1).join(', ')} and ${labels.at(-1)}`;

/** Routine checkpoints told one by one before they are summed up until something happens. */
const ROUTINE_TOLD = 3;

/**
 * One readable sentence per protocol step that matters, from the events' structured fields only
 * (never from the lines the engine prints). Commits of the same instant are told together, with
 * the range of values they made visible; commits made on recovery are told as such; a burst of
 * failovers in one millisecond is told once.
 */
export function narrate(events: readonly SimEvent[], mode: WriterMode | null): Sentence[] {
  const out: Sentence[] = [];
  // Steady-state checkpoints and commits are summed up, so the story stays readable in long runs.
  let routineRun = 0;
  let quiet: { from: number; to: number; t: number } | null = null;
  const notable = () => {
    routineRun = 0;
    if (quiet !== null) {
      out.push({
        t: quiet.t,
        kind: 'info',
        text: `Checkpoints ${range(quiet.from, quiet.to)} completed and committed as usual.`,
      });
      quiet = null;
    }
  };
  let lastCompletedPosition = -1;
  const recovering = new Set<number>();
  let commitBatch: {
    t: number;
    labels: string[];
    lo: number;
    hi: number;
    n: number;
    recovery: boolean;
  } | null = null;
  const flushCommits = () => {
    if (commitBatch === null) return;
    const b = commitBatch;
    commitBatch = null;
    if (routineRun > ROUTINE_TOLD && !b.recovery) return;
    const values = b.n === 0 ? 'no values' : `values ${range(b.lo, b.hi)} are now visible`;
    const plural = b.labels.length > 1 ? 'Transactions' : 'Transaction';
    const how = b.recovery
      ? ' on recovery: pre-committed before the failure, never committed until the restore (recoverAndCommit)'
      : '';
    out.push({ t: b.t, kind: 'good', text: `${plural} ${joinLabels(b.labels)} committed${how}: ${values}.` });
  };
  let failovers: { t: number; count: number; sentence: Sentence } | null = null;

  for (const e of events) {
    // Commits of one instant are told together, whatever the checker printed in between.
    if (commitBatch !== null && (e.t !== commitBatch.t || !QUIET_BETWEEN_COMMITS.has(e.kind))) flushCommits();
    if (NOTABLE.has(e.kind)) notable();
    switch (e.kind) {
      case 'run-started':
        out.push({
          t: e.t,
          kind: 'info',
          text: `Run started in ${e.mode}: ${e.numEvents.toLocaleString('en')} events, seed ${e.seed}.`,
        });
        break;
      case 'checkpoint-completed':
        lastCompletedPosition = e.position;
        routineRun++;
        if (routineRun > ROUTINE_TOLD) {
          const stretch = quiet as { from: number; to: number; t: number } | null;
          quiet = { from: stretch?.from ?? e.checkpointId, to: e.checkpointId, t: e.t };
          break;
        }
        out.push({
          t: e.t,
          kind: 'good',
          text: `Checkpoint ${e.checkpointId} completed at position ${e.position} (${e.durationMs} ms after its trigger).`,
        });
        break;
      case 'checkpoint-aborted':
        out.push({ t: e.t, kind: 'bad', text: `Checkpoint ${e.checkpointId} ${ABORT_REASONS[e.reason]}.` });
        break;
      case 'txn-committing':
        if (e.recovery) recovering.add(e.txnId);
        break;
      case 'txn-committed': {
        const label = txnName(e);
        const recovery = recovering.delete(e.txnId);
        if (commitBatch === null || commitBatch.t !== e.t || commitBatch.recovery !== recovery) {
          flushCommits();
          commitBatch = {
            t: e.t,
            labels: [],
            lo: Number.POSITIVE_INFINITY,
            hi: Number.NEGATIVE_INFINITY,
            n: 0,
            recovery,
          };
        }
        commitBatch.labels.push(label);
        commitBatch.n += e.events;
        if (e.firstValue !== null) commitBatch.lo = Math.min(commitBatch.lo, e.firstValue);
        if (e.lastValue !== null) commitBatch.hi = Math.max(commitBatch.hi, e.lastValue);
        break;
      }
      case 'txn-aborted':
        if (e.events > 0) {
          out.push({
            t: e.t,
            kind: e.why === 'end-of-input' || e.why === 'commit-rejected' ? 'bad' : 'info',
            text: `Transaction ${txnName(e)} aborted ${ABORT_WHY[e.why]}: its ${e.events} values never become visible from it.`,
          });
        }
        break;
      case 'txn-expired':
        out.push({
          t: e.t,
          kind: 'bad',
          text: `The lease of transaction ${txnName(e)} ran out: the controller aborted it with ${e.events} values.`,
        });
        break;
      case 'txn-commit-failed':
        out.push({ t: e.t, kind: 'bad', text: commitFailedText(e) });
        break;
      case 'call-retried':
        if (e.call !== 'writer-reconnect' || e.outcome !== 'succeeded' || e.waitedMs > 0)
          out.push({ t: e.t, kind: e.outcome === 'exhausted' ? 'bad' : 'info', text: retryText(e) });
        break;
      case 'task-failed': {
        // Several failovers in one millisecond (a burst) are told once.
        if (failovers !== null && failovers.t === e.t) {
          failovers.count++;
          failovers.sentence.text = `${failovers.count} failovers in the same millisecond; the last: ${failureText(e)}.`;
          break;
        }
        // A mapper failure at an element kills that element before the sink: it never reached the store.
        const lastWritten = e.element !== null ? e.position - 1 : e.position;
        const replay =
          lastCompletedPosition >= 0 && lastWritten > lastCompletedPosition
            ? mode === 'EXACTLY_ONCE'
              ? ` Values ${range(lastCompletedPosition + 1, lastWritten)} sat in open transactions: they are aborted, and a restore writes them again.`
              : ` Values ${range(lastCompletedPosition + 1, lastWritten)} were already visible; a restore writes them again.`
            : '';
        const sentence: Sentence = {
          t: e.t,
          kind: 'bad',
          text: `${failureText(e)}; the job fails over.${replay}`,
        };
        out.push(sentence);
        failovers = { t: e.t, count: 1, sentence };
        break;
      }
      case 'job-restarting':
        out.push({
          t: e.t,
          kind: e.restartsLeft === 0 ? 'bad' : 'info',
          text: `Restarting in ${e.delayMs} ms: ${e.restartsLeft} restart${e.restartsLeft === 1 ? '' : 's'} left after this one.`,
        });
        break;
      case 'job-restored':
        out.push({
          t: e.t,
          kind: 'info',
          text:
            e.checkpointId === null
              ? 'No completed checkpoint: the job restarts from scratch, start marker included.'
              : `Restored from checkpoint ${e.checkpointId} at position ${e.position}: the source resumes at ${e.position + 1}.`,
        });
        break;
      case 'job-failed':
        out.push({ t: e.t, kind: 'bad', text: `The job failed: ${e.reason}.` });
        break;
      case 'job-finished':
        out.push({
          t: e.t,
          kind: 'good',
          text: 'The source is done and the job finished; the sinks closed.',
        });
        break;
      case 'zombie-stopped':
        out.push({ t: e.t, kind: 'info', text: `The zombie attempt ${e.attempt} finally stopped writing.` });
        break;
      case 'fault-fired':
        out.push({ t: e.t, kind: 'fault', text: `Fault: ${e.detail}. ${FAULT_DESCRIPTIONS[e.faultKind]}` });
        break;
      case 'outage-ended':
        out.push({ t: e.t, kind: 'info', text: `${e.faultKind} ended.` });
        break;
      case 'duplicate-found':
        out.push({
          t: e.t,
          kind: 'bad',
          text: `Checker: ${e.count} value${e.count === 1 ? '' : 's'} read a second time (${e.values.slice(0, 8).join(', ')}${e.count > 8 ? ', …' : ''}).`,
        });
        break;
      case 'value-missing':
        out.push({
          t: e.t,
          kind: 'bad',
          text: `Checker: ${e.count} value${e.count === 1 ? '' : 's'} never arrived (${e.values.slice(0, 8).join(', ')}${e.count > 8 ? ', …' : ''}).`,
        });
        break;
      case 'run-ended':
        out.push({
          t: e.t,
          kind: e.finished ? 'good' : 'bad',
          text: `Run ended at ${e.t} ms of virtual time.`,
        });
        break;
      default:
    }
  }
  flushCommits();
  return out;
}

const ABORT_REASONS: Record<(SimEvent & { kind: 'checkpoint-aborted' })['reason'], string> = {
  declined: 'was declined',
  timeout: 'expired before every task acknowledged it',
  'job-failover': 'was abandoned: the job failed over',
  'job-finished': 'was abandoned: the job finished',
};

const ABORT_WHY: Record<(SimEvent & { kind: 'txn-aborted' })['why'], string> = {
  restore: 'on restore (recoverAndAbort)',
  'task-closed': 'as the failed task closed',
  'end-of-input': 'as the job finished and the sinks closed (no checkpoint came after its values)',
  'commit-rejected': 'by the store, which rejected its commit',
};

function commitFailedText(e: SimEvent & { kind: 'txn-commit-failed' }): string {
  const name = txnName(e);
  if (e.why === 'rejected')
    return `The store rejected transaction ${name}'s commit (TxnFailedException): logged and dropped, never retried; its data is lost.`;
  if (e.why === 'retries-exhausted')
    return `Transaction ${name}'s commit failed: the controller stayed unreachable past the client's retries, so the task fails and the restore commits it again.`;
  return `Transaction ${name} was ${e.state} when its commit got through: the connector only logs it, and its data is lost.`;
}

const CALLS: Record<(SimEvent & { kind: 'call-retried' })['call'], string> = {
  'txn-begin': 'begin a transaction',
  'txn-commit': 'commit',
  'txn-abort': 'abort',
  'writer-reconnect': 'reconnect to the segment store',
};

function retryText(e: SimEvent & { kind: 'call-retried' }): string {
  const who = e.subtask < 0 ? 'The writers' : `Sink ${e.subtask}`;
  const what = `${CALLS[e.call]}${e.txnId === null ? '' : ` (store transaction ${e.txnId})`}`;
  if (e.outcome === 'retrying')
    return `${who} cannot ${what}: the ${e.service} does not answer; the client retries with backoff.`;
  if (e.outcome === 'succeeded')
    return `${who} got through to ${what} at attempt ${e.attempts}, ${e.waitedMs} ms after the first.`;
  return `${who} gave up trying to ${what} after ${e.attempts} attempts (${e.waitedMs} ms).`;
}

function failureText(e: SimEvent & { kind: 'task-failed' }): string {
  if (e.element !== null) return `The mapper throws at element ${e.element} (value ${e.position})`;
  return FAILURE_REASONS[e.reason];
}

const FAILURE_REASONS: Record<(SimEvent & { kind: 'task-failed' })['reason'], string> = {
  'artificial-exception': 'The mapper throws (injected)',
  'write-error': 'A sink finds that one of its earlier writes failed',
  'flush-failed': 'A sink cannot flush its writes',
  'txn-begin-failed':
    "A sink could not open its next transaction: the controller stayed unreachable past the client's retries",
  'commit-failed': "A commit call failed: the controller stayed unreachable past the client's retries",
  'abort-failed': "An abort on restore failed: the controller stayed unreachable past the client's retries",
  'injected-crash': 'The job crashes (injected)',
  'heartbeat-timeout': 'The TaskManager missed its heartbeats for longer than the timeout',
  'checkpoint-failures': 'Too many checkpoints in a row failed (tolerable checkpoint failures exceeded)',
};
