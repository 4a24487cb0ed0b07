import { FOUND_DUPLICATES, NO_DUPLICATE, type Report } from '@eolab/engine';

/** How the verdict is coloured: green only for a guarantee seen whole. */
export type VerdictTone = 'good' | 'bad' | 'incomplete' | 'neutral';

const count = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/**
 * The verdict line: the sample's words, plus loss, which the sample's checker cannot see, and how
 * the run ended: a run stopped partway, or a job that failed before its source emitted every
 * value, is judged on what was seen and never crowned EXACTLY_ONCE.
 */
export function verdictText(report: Report | null, duplicatesSoFar: number, running: boolean): string {
  if (report === null) {
    if (duplicatesSoFar > 0) return `${FOUND_DUPLICATES} (so far)`;
    return running ? 'Checking… no duplicate so far' : 'No run yet';
  }
  const { duplicates, lost, neverEmitted } = report.counts;
  const emitted = report.numEvents - neverEmitted;
  if (report.ending === 'backend-failed')
    return 'PostgreSQL died during the run, so the checker could read nothing: no value is judged lost or duplicated. The log says what happened to the server.';
  if (report.ending === 'stopped' || report.ending === 'running') {
    const seen = `${report.ending === 'stopped' ? 'Stopped' : 'Still running'} after ${emitted.toLocaleString('en')} of ${report.numEvents.toLocaleString('en')} values`;
    return duplicates > 0 ? `${FOUND_DUPLICATES} · ${seen}` : `No duplicate so far · ${seen}: not judged`;
  }
  const loss = lost > 0 ? count(lost, 'value') + ' lost' : '';
  const incomplete = neverEmitted > 0 ? `${count(neverEmitted, 'value')} never emitted` : '';
  const tail = [loss, incomplete].filter((s) => s !== '').join(' · ');
  if (duplicates > 0) return tail === '' ? FOUND_DUPLICATES : `${FOUND_DUPLICATES} · ${tail}`;
  if (lost > 0) return `No duplicate found, but ${tail}`;
  if (neverEmitted > 0) return `No duplicate found, but the output is incomplete: ${incomplete}`;
  return NO_DUPLICATE;
}

export function verdictTone(report: Report | null, text: string): VerdictTone {
  if (report === null) return text.startsWith(FOUND_DUPLICATES) ? 'bad' : 'neutral';
  if (report.verdict === 'EXACTLY_ONCE') return 'good';
  return report.verdict === 'INCOMPLETE' ? 'incomplete' : 'bad';
}

/** How the run ended, for the checker panel and the Runs list. */
export const ENDING_TEXT: Record<Report['ending'], string> = {
  finished: 'finished',
  'job-failed': 'job failed for good',
  stopped: 'stopped by you',
  running: 'running',
  'backend-failed': 'ended: PostgreSQL died',
};

/** How the run ended, as the start of the checker panel's closing sentence ("… at 8,204 ms"). */
export const ENDED_SENTENCE: Record<Report['ending'], string> = {
  finished: 'Run finished',
  'job-failed': 'The job failed for good',
  stopped: 'Run stopped by you',
  running: 'Run still going',
  'backend-failed': 'Run ended: PostgreSQL died',
};

/** Where the sample's marker-window checker and our whole-stream checker disagree, and why. */
export function disagreement(report: Report): string | null {
  const windowFound = report.markerWindow.verdict === 'DUPLICATES';
  const streamFound = report.counts.duplicates > 0;
  const read = report.counts.read.toLocaleString('en');
  if (report.ending === 'backend-failed')
    return 'PostgreSQL died during the run, so the checker could read nothing: no value is judged lost or duplicated. The log says what happened to the server.';
  if (report.ending === 'stopped' || report.ending === 'running')
    return `The run was stopped before its end: the sample's checker ${report.markerWindow.verdict === null ? 'never saw an end marker, so it printed no verdict' : 'printed its verdict for the part before the stop'}, and the whole-stream checker judged only the ${read} values read so far. Whether values were lost is not judged: some were still on their way.`;
  if (report.markerWindow.verdict === null) {
    const failed = report.ending === 'job-failed';
    return `${failed ? 'The job failed for good before its end marker' : 'No end marker was read'}: in the sample, the checker would still be waiting for it and print no verdict. The whole-stream checker judged every value${failed && report.counts.neverEmitted > 0 ? `: ${count(report.counts.lost, 'value')} emitted and never made visible (lost), ${count(report.counts.neverEmitted, 'value')} never emitted (an incomplete output, not a loss)` : ''}.`;
  }
  if (streamFound && !windowFound) {
    return "The sample's checker found no duplicate because it forgets everything at each start marker (a fresh restart emits a new one); the whole-stream checker never resets.";
  }
  if (!streamFound && windowFound)
    return "The sample's checker counted a value twice within its window that the whole stream saw only once more in total.";
  if (report.counts.lost > 0) {
    return "The sample's checker cannot see loss: it only looks for values that arrive twice. The whole-stream checker also reports values that never arrived.";
  }
  return null;
}
