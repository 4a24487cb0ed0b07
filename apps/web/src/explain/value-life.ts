import type { Cause, StripCell, ValueState } from '@eolab/engine';
import type { ValueLifeResponse } from '@eolab/protocol';

/**
 * "Find a value" in words: a value's life as steps in time order, one sentence for what became of
 * it, and the strip's colours and words. The server traced the facts; this only tells them.
 */

export interface LifeStep {
  atMs: number;
  /** What happened, in a few words (the table's second column). */
  step: string;
  detail: string;
}

const ORDINAL = ['First', 'Second', 'Third'];
const ordinal = (i: number) => ORDINAL[i] ?? `Read ${i + 1}`;
const ms = (t: number) => `${t.toLocaleString('en')} ms`;

/** Every step of the value's life, in time order (ties: as they happen: emitted, written, the transaction, read). */
export function lifeSteps(answer: ValueLifeResponse): LifeStep[] {
  const { life } = answer;
  const steps: (LifeStep & { order: number })[] = [];
  const txnName = (id: number | null) => life.txns.find((t) => t.txnId === id)?.name ?? `#${id}`;
  for (const e of life.emissions)
    steps.push({ atMs: e.atMs, order: 0, step: 'emitted', detail: `by the source of attempt ${e.attempt}` });
  for (const w of life.writes)
    steps.push({
      atMs: w.atMs,
      order: 1,
      step: 'written',
      detail: `by sink subtask ${w.subtask} of attempt ${w.attempt}, ${w.txnId === null ? 'a plain write' : `into transaction ${txnName(w.txnId)}`}`,
    });
  for (const t of life.txns) {
    if (t.flushedAtMs !== null)
      steps.push({
        atMs: t.flushedAtMs,
        order: 2,
        step: 'pre-committed',
        detail: `transaction ${t.name} flushed at checkpoint ${t.checkpointId}'s barrier`,
      });
    if (t.commitFailed !== null)
      steps.push({
        atMs: t.commitFailed.atMs,
        order: 2,
        step: 'commit failed',
        detail: `transaction ${t.name}: ${t.commitFailed.why}`,
      });
    if (t.end === null)
      steps.push({
        atMs: answer.untilMs,
        order: 5,
        step: `${answer.runEnded ? 'left' : 'still'} ${t.flushedAtMs === null ? 'open' : 'pre-committed'}`,
        detail: answer.runEnded
          ? `transaction ${t.name} had not ended when the run did: nothing commits or aborts it but its lease running out`
          : `transaction ${t.name} has not ended yet`,
      });
    else
      steps.push({
        atMs: t.end.atMs,
        order: 3,
        step: t.end.state,
        detail: `transaction ${t.name}${t.end.why === null ? '' : ` (${t.end.why})`}`,
      });
  }
  for (const [i, r] of life.reads.entries())
    steps.push({
      atMs: r.atMs,
      order: 4,
      step: i === 0 ? 'first read' : `${ordinal(i).toLowerCase()} read`,
      detail: `the checker read attempt ${r.attempt}'s write (${READ_PATH[r.path]})${i > 0 ? ': a duplicate' : ''}`,
    });
  return steps.sort((a, b) => a.atMs - b.atMs || a.order - b.order).map(({ order: _o, ...s }) => s);
}

const READ_PATH: Record<ValueLifeResponse['life']['reads'][number]['path'], string> = {
  plain: 'a plain write, visible once acknowledged',
  committed: 'its transaction committed',
  uncommitted: 'read uncommitted',
};

/** One sentence: what became of the value, and why when the report names a cause. */
export function lifeSummary(answer: ValueLifeResponse): string {
  const { life, outcome, cause } = answer;
  const v = life.value;
  const emitted = life.emissions.length;
  const counts = `emitted ${times(emitted)}, written ${times(life.writes.length)}, read ${times(life.reads.length)}`;
  const head: Record<ValueLifeResponse['outcome'], string> = {
    'read-once': `${v} was read exactly once`,
    duplicated: `${v} was read ${times(life.reads.length)}: a duplicate`,
    lost: `${v} was never read: lost`,
    'never-emitted': `${v} was never emitted: the job failed for good before its source reached it`,
    'not-read-yet': `${v} has not been read yet`,
  };
  const why = cause === null ? '' : ` Why: ${causeSentence(cause)}.`;
  return `${head[outcome]} (${counts}).${why}`;
}

const times = (n: number) => (n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times`);

/** The cause's own sentence after its values ("17..24: replayed after …" → "replayed after …"). */
export function causeSentence(cause: Cause): string {
  const split = cause.text.indexOf(': ');
  return split < 0 ? cause.text : cause.text.slice(split + 2);
}

/** The strip's words for each state, and its colour (a CSS variable the stylesheet defines). */
export const STATE_LABEL: Record<ValueState, string> = {
  'not-written': 'not written',
  aborted: 'aborted',
  expired: 'expired',
  written: 'written, not yet acknowledged',
  open: 'in an open transaction',
  'pre-committed': 'pre-committed',
  committed: 'committed (visible)',
};

/** What a cell says to a screen reader and in its tooltip. */
export function cellLabel(cell: StripCell): string {
  return `${cell.value}: ${STATE_LABEL[cell.state]}; read_committed sees ${cell.readCommitted}, read_uncommitted sees ${cell.readUncommitted}`;
}

/** The strip's moments worth a button: each step of the value's life. */
export function stripMoments(steps: readonly LifeStep[]): { atMs: number; label: string }[] {
  const seen = new Set<number>();
  const out: { atMs: number; label: string }[] = [];
  for (const s of steps) {
    if (seen.has(s.atMs)) continue;
    seen.add(s.atMs);
    out.push({ atMs: s.atMs, label: `${s.step} (${ms(s.atMs)})` });
  }
  return out;
}
