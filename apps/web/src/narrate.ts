import { FAULT_DESCRIPTIONS, type SimEvent, type WriterMode } from '@eolab/engine';
import { TxnNamer } from './derive';

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

/**
 * One readable sentence per protocol step that matters, derived from the event stream only.
 * Commits of the same instant are told together, with the range of values they made visible.
 */
/** Routine checkpoints told one by one before they are summed up until something happens. */
const ROUTINE_TOLD = 3;

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
  const namer = new TxnNamer();
  let lastCompletedPosition = -1;
  let commitBatch: { t: number; labels: string[]; lo: number; hi: number; n: number } | null = null;
  const flushCommits = () => {
    if (commitBatch === null) return;
    const b = commitBatch;
    commitBatch = null;
    if (routineRun > ROUTINE_TOLD) return;
    const values = b.n === 0 ? 'no values' : `values ${range(b.lo, b.hi)} are now visible`;
    const plural = b.labels.length > 1 ? 'Transactions' : 'Transaction';
    out.push({ t: b.t, kind: 'good', text: `${plural} ${joinLabels(b.labels)} committed: ${values}.` });
  };

  for (const e of events) {
    namer.observe(e);
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
        out.push({ t: e.t, kind: 'bad', text: `Checkpoint ${e.checkpointId} aborted (${e.reason}).` });
        break;
      case 'txn-committed': {
        const label = namer.name(e.txnId, e.subtask);
        if (commitBatch === null || commitBatch.t !== e.t) {
          flushCommits();
          commitBatch = {
            t: e.t,
            labels: [],
            lo: Number.POSITIVE_INFINITY,
            hi: Number.NEGATIVE_INFINITY,
            n: 0,
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
          const label = namer.name(e.txnId, e.subtask);
          const why = e.why === 'restore' ? 'on restore' : 'as the failed task closed';
          out.push({
            t: e.t,
            kind: 'info',
            text: `Transaction ${label} aborted ${why}: its ${e.events} values never become visible from it.`,
          });
        }
        break;
      case 'txn-expired':
        out.push({
          t: e.t,
          kind: 'bad',
          text: `The lease of transaction ${namer.name(e.txnId, e.subtask)} ran out: the store aborted it with ${e.events} values.`,
        });
        break;
      case 'txn-commit-failed':
        out.push({
          t: e.t,
          kind: 'bad',
          text:
            e.why === 'rejected'
              ? `The store rejected the commit of transaction ${namer.name(e.txnId, e.subtask)} (TxnFailedException): dropped, never retried, its data is lost.`
              : e.why === 'retries-exhausted'
                ? `Commit of transaction ${namer.name(e.txnId, e.subtask)} failed: the controller stayed unreachable past the retries, so the task fails and the restore commits it again.`
                : `Transaction ${namer.name(e.txnId, e.subtask)} was ${e.state} at commit time: its data is lost.`,
        });
        break;
      case 'task-failed': {
        // A mapper failure at an element kills that element before the sink: it never reached the store.
        const atElement = e.detail.startsWith('Artificial failure at position');
        const lastWritten = atElement ? e.position - 1 : e.position;
        const replay =
          lastCompletedPosition >= 0 && lastWritten > lastCompletedPosition
            ? mode === 'EXACTLY_ONCE'
              ? ` Values ${range(lastCompletedPosition + 1, lastWritten)} sat in open transactions: they are aborted, written again after the restore, and become visible once.`
              : ` Values ${range(lastCompletedPosition + 1, lastWritten)} were already visible and will be written again.`
            : '';
        const element = /at position (\d+)/.exec(e.detail)?.[1];
        const what = atElement ? `The mapper throws at element ${element} (value ${e.position})` : e.detail;
        out.push({ t: e.t, kind: 'bad', text: `${what}; the job fails over.${replay}` });
        break;
      }
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
