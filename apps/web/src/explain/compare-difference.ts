import { judgesMissing, type Report, type System, type WriterMode } from '@eolab/engine';
import type { BackendKind } from '@eolab/protocol';

/**
 * How compared runs are told apart and what separates them, in numbers: one colour per run from a
 * colour-blind-safe palette, a name carrying mode, backend and run, and per run its duplicates and
 * missing values with their ranges ("ATLEAST_ONCE: 237 duplicates (values 7,298..7,534)").
 */

/** Okabe-Ito, as CSS variables (styles.css gives each theme its shade). */
export const RUN_COLORS = ['var(--run1)', 'var(--run2)', 'var(--run3)', 'var(--run4)'] as const;

/** Dash patterns, so two runs are told apart without colour too. */
export const RUN_DASHES = [undefined, '6 3', '2 2', '8 3 2 3'] as const;

export const BACKEND_LABELS: Record<BackendKind, string> = { simulated: 'model', postgres: 'PostgreSQL' };

export const SYSTEM_LABELS: Record<System, string> = { pravega: 'Pravega', kafka: 'Kafka' };

export interface RunIdentity {
  mode: WriterMode;
  backend: BackendKind;
  runId: string;
  system?: System;
}

/** A run's name: mode, system (Kafka's always, Pravega's when told to), backend and id. */
export function runLabel(r: RunIdentity, showSystem = r.system === 'kafka'): string {
  const system = showSystem && r.system !== undefined ? ` · ${SYSTEM_LABELS[r.system]}` : '';
  return `${r.mode}${system} · ${BACKEND_LABELS[r.backend]} · run ${r.runId}`;
}

/** Names for runs shown together: when they ran on different systems, each says its own. */
export function runLabels(runs: readonly RunIdentity[]): (r: RunIdentity) => string {
  const mixed = new Set(runs.map((r) => r.system ?? 'pravega')).size > 1;
  return (r) => runLabel(r, mixed || r.system === 'kafka');
}

const n = (v: number): string => v.toLocaleString('en');

/** Sorted values as ranges: 17, 18, 19, 7298..7534; at most `limit` ranges, then "…". */
export function valueRanges(values: readonly number[], limit = 3): string {
  const parts: string[] = [];
  let i = 0;
  while (i < values.length && parts.length < limit) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j]! + 1) j++;
    parts.push(j > i ? `${n(values[i]!)}..${n(values[j]!)}` : n(values[i]!));
    i = j + 1;
  }
  return parts.join(', ') + (i < values.length ? ', …' : '');
}

const counted = (count: number, one: string, many: string, values: readonly number[]): string =>
  count === 0
    ? `0 ${many}`
    : `${n(count)} ${count === 1 ? one : many} (${values.length === 1 ? 'value' : 'values'} ${valueRanges(values)})`;

/** One run's difference in numbers; `short` names the run as the comparison's columns do. */
export function differenceLine(short: string, report: Report): string {
  const duplicates = counted(report.counts.duplicates, 'duplicate', 'duplicates', report.duplicates);
  return `${short}: ${duplicates}, ${missingPart(report)}`;
}

/** Missing values as the report judged them: not at all for a stopped run; never-emitted ones apart. */
function missingPart(report: Report): string {
  if (!judgesMissing(report.ending))
    return report.ending === 'backend-failed'
      ? 'missing values not judged (PostgreSQL died)'
      : 'missing values not judged (stopped)';
  const missing = counted(report.counts.missing, 'missing', 'missing', report.missing);
  const never = report.counts.neverEmitted;
  return never === 0 ? missing : `${missing}: ${n(report.counts.lost)} lost, ${n(never)} never emitted`;
}

/**
 * A compared run's short name: what tells the runs apart (their modes, or their systems when the
 * modes are the same), else the whole name.
 */
export function shortNames(runs: readonly RunIdentity[]): (r: RunIdentity) => string {
  const unique = (key: (r: RunIdentity) => string) => new Set(runs.map(key)).size === runs.length;
  if (unique((r) => r.mode)) return (r) => r.mode;
  if (unique((r) => r.system ?? 'pravega')) return (r) => SYSTEM_LABELS[r.system ?? 'pravega'];
  return runLabels(runs);
}
