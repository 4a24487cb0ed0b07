import { judgesMissing, msText, type Report, type SweepResult } from '@eolab/engine';

/** Our whole-stream checker's findings, after the sample's lines. */
export function formatSummary(report: Report): string {
  const { counts, latencyMs } = report;
  const lines = [
    `Whole-stream checker: ${report.verdict} (${report.mode}${report.system === 'kafka' ? ' on Kafka' : ''}, seed=${report.seed})`,
    `  duplicates: ${counts.duplicates}${listed(report.duplicates, counts.duplicates)}`,
    ...missingLines(report),
    `  emitted ${counts.emitted}, written ${counts.written}, committed ${counts.committed}, read ${counts.read}`,
    `  checkpoints ${report.checkpoints.completed} completed, ${report.checkpoints.aborted} aborted (${report.checkpoints.failed} declined or expired); restarts ${report.restarts.used} of ${report.restarts.attempts}`,
    `  transactions ${report.transactions.committed} committed, ${report.transactions.aborted} aborted, ${report.transactions.expired} expired, ${report.transactions.commitFailed} commits failed, ${report.transactions.open} left open`,
    `  visibility latency: p50 ${msText(latencyMs.p50)}, p99 ${msText(latencyMs.p99)}, max ${msText(latencyMs.max)}`,
    `  ${endingText(report)}`,
    ...formatCauses(report),
  ];
  return lines.join('\n');
}

const ENDINGS: Record<Report['ending'], string> = {
  finished: 'job finished',
  'job-failed': 'job failed for good',
  stopped: 'run stopped',
  running: 'still running',
  'backend-failed': 'PostgreSQL died',
};

/** Why a run's missing values are not judged, for the endings that leave them unjudged. */
const NOT_JUDGED: Record<Report['ending'], string> = {
  finished: '',
  'job-failed': '',
  stopped: 'the run was stopped',
  running: 'the run is still going',
  'backend-failed': 'PostgreSQL died under the run',
};

/** How the run ended, in the run's own time (virtual for the model, wall-clock for a real job). */
export function endingText(report: Report): string {
  const clock = report.backend === 'simulated' ? ' of virtual time' : '';
  return `${ENDINGS[report.ending]} at ${msText(report.durationMs)}${clock}`;
}

/**
 * Missing values split into lost (emitted, never made visible) and never emitted (an incomplete
 * output); not judged at all before the job ended.
 */
function missingLines(report: Report): string[] {
  const { counts, numEvents } = report;
  if (!judgesMissing(report.ending)) {
    const emitted = numEvents - counts.neverEmitted;
    return [
      `  missing:    not judged: ${NOT_JUDGED[report.ending]} after the source emitted ${emitted} of ${numEvents} values`,
    ];
  }
  const lines = [
    `  missing:    ${counts.missing}${counts.neverEmitted > 0 ? ` (${counts.lost} lost, ${counts.neverEmitted} never emitted)` : listed(report.missing, counts.missing)}`,
  ];
  if (counts.neverEmitted > 0) {
    const lostValues = report.missing.filter((v) => v <= numEvents - counts.neverEmitted);
    lines.push(`    lost:          ${counts.lost}${listed(lostValues, counts.lost)}`);
    lines.push(
      `    never emitted: ${counts.neverEmitted} (${numEvents - counts.neverEmitted + 1}..${numEvents})`,
    );
  }
  return lines;
}

/** Why each duplicate and missing value happened, one line per cause, as the engine worked it out. */
function formatCauses(report: Report): string[] {
  const { duplicates, missing, unexplained } = report.causes;
  const lines: string[] = [];
  if (duplicates.length > 0) lines.push('Why the duplicates:', ...duplicates.map((c) => `  - ${c.text}`));
  if (missing.length > 0) lines.push('Why values are missing:', ...missing.map((c) => `  - ${c.text}`));
  if (unexplained.duplicates + unexplained.missing > 0)
    lines.push(`Unexplained: ${unexplained.duplicates} duplicates, ${unexplained.missing} missing values`);
  return lines;
}

function listed(values: number[], total: number): string {
  if (total === 0) return '';
  const shown = values.slice(0, 20).join(', ');
  return ` (${shown}${total > 20 ? ', ...' : ''})`;
}

export function formatSweepTable(result: SweepResult): string {
  const header = ['mode', 'fault kind', 'runs', 'with duplicates', 'with loss', 'incomplete', 'violations'];
  const rows = result.rows.map((r) => [
    r.mode,
    r.faultKind,
    String(r.runs),
    String(r.withDuplicates),
    String(r.withLoss),
    String(r.incomplete),
    String(r.violations),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const format = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    format(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(format),
    '',
    `${result.runs} runs (a run with several fault kinds counts in each of their rows); ${result.violations.length} guarantee violations`,
  ].join('\n');
}
