import { judgesMissing, type Report } from '@eolab/engine';
import { useShallow } from 'zustand/react/shallow';
import { closeCompare } from '../actions/compare';
import { CompareCharts } from '../charts/CompareCharts';
import {
  differenceLine,
  RUN_COLORS,
  runLabels,
  SYSTEM_LABELS,
  shortNames,
} from '../explain/compare-difference';
import { ENDING_TEXT } from '../explain/verdict';
import { type ComparedRun, modelVsReal, summarize } from '../state/compare';
import { useStore } from '../state/store';
import { watchRun } from '../sync/run-sync';
import { summarizeValues } from './CheckerPanel';

const ROWS: { label: string; value: (r: Report) => string }[] = [
  { label: 'Verdict', value: (r) => r.verdict },
  {
    label: 'Duplicates',
    value: (r) =>
      `${r.counts.duplicates}${r.duplicates.length > 0 ? ` (${summarizeValues(r.duplicates)})` : ''}`,
  },
  {
    label: 'Missing',
    value: (r) =>
      !judgesMissing(r.ending)
        ? `not judged (${ENDING_TEXT[r.ending]})`
        : `${r.counts.missing}${r.missing.length > 0 ? ` (${summarizeValues(r.missing)})` : ''}${r.counts.neverEmitted > 0 ? `: ${r.counts.lost} lost, ${r.counts.neverEmitted} never emitted` : ''}`,
  },
  {
    label: 'Visibility latency p50 / p99 / max (ms)',
    value: (r) => `${r.latencyMs.p50} / ${r.latencyMs.p99} / ${r.latencyMs.max}`,
  },
  {
    label: 'Transactions committed / aborted / expired',
    value: (r) => `${r.transactions.committed} / ${r.transactions.aborted} / ${r.transactions.expired}`,
  },
  {
    label: 'Checkpoints completed / aborted',
    value: (r) => `${r.checkpoints.completed} / ${r.checkpoints.aborted}`,
  },
  {
    label: 'Restores',
    value: (r) => r.restores.map((x) => `cp ${x.checkpointId ?? '—'} @${x.position}`).join(', ') || 'none',
  },
  { label: 'Run', value: (r) => ENDING_TEXT[r.ending] },
];

const TITLES = {
  modes: 'Compare modes: same scenario, same fault timeline',
  backends: 'Simulated vs real: same scenario, same fault timeline',
  systems: 'Pravega vs Kafka: same scenario, same fault timeline',
  picked: 'Compare runs',
} as const;

type Kind = keyof typeof TITLES;

const BACKEND_LABELS = { simulated: 'Simulated', postgres: 'PostgreSQL' } as const;

/** What a refusal stopped, said before the server's reason. */
const REFUSED = {
  modes: 'The replays in the other modes were refused',
  backends: 'The run on the other backend was refused',
  systems: 'The run on the other system was refused',
  picked: 'The runs could not be loaded',
} as const;

/** Each run's duplicates and missing values in numbers, beside the charts. */
function Difference({ runs, kind }: { runs: ComparedRun[]; kind: Kind }) {
  const ended = runs.filter((r): r is ComparedRun & { report: Report } => r.report !== null);
  if (ended.length === 0) return null;
  const name = kind === 'modes' || kind === 'systems' ? shortNames(runs) : runLabels(runs);
  return (
    <ul className="compare-difference" aria-label="The difference in numbers">
      {ended.map((r) => (
        <li key={r.runId}>{differenceLine(name(r), r.report)}</li>
      ))}
    </ul>
  );
}

/** The model held against the real run, as `eolab verify` holds them: agreement, or every difference. */
function ModelVsReal({ runs }: { runs: ComparedRun[] }) {
  const verdict = modelVsReal(runs);
  if (verdict === null) return <p className="hint">Waiting for both reports…</p>;
  const { timing, differences, notes } = verdict;
  return (
    <div className="model-vs-real" role="status" aria-label="Model against reality">
      <p className={differences.length === 0 ? 'v-EXACTLY_ONCE' : 'v-DUPLICATES'}>
        {differences.length === 0
          ? timing === null
            ? 'The model and the real run agree value for value: the same duplicates and missing values.'
            : 'The model and the real run agree on the outcome: duplicates or not, loss or not, finished or not.'
          : `The model and the real run differ (${differences.length}):`}
      </p>
      {timing !== null && (
        <p className="hint">Timing decides here, so only the outcome must agree: {timing}.</p>
      )}
      {differences.length > 0 && (
        <ul>
          {differences.map((d) => (
            <li key={d}>{d}</li>
          ))}
        </ul>
      )}
      {notes.length > 0 && (
        <ul className="hint" aria-label="Expected between virtual and real time">
          {notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function ComparePanel() {
  const { runs, error, kind, stored } = useStore(
    useShallow(({ compare: c }) => ({ runs: c.runs, error: c.error, kind: c.kind, stored: c.stored })),
  );
  if (runs.length === 0 && error === null) return null;
  const sentences = summarize(runs);
  return (
    <section className="panel compare" aria-labelledby="compare-title">
      <div className="compare-head">
        <h2 id="compare-title">{TITLES[kind]}</h2>
        <button
          type="button"
          className="ghost small"
          onClick={closeCompare}
          aria-label="Close the comparison"
        >
          ✕
        </button>
      </div>
      {error !== null && (
        <p className="note refusal" role="alert">
          {REFUSED[kind]}: {error}
        </p>
      )}
      {stored.length > 0 && (
        <p className="hint">
          The replays are stored in Runs as {stored.join(' and ')}: delete them there when you no longer need
          them.
        </p>
      )}
      <table className="compare-table">
        <thead>
          <tr>
            <th scope="col">Run</th>
            {runs.map((r, i) => (
              <th key={r.runId} scope="col">
                {/* The run's colour in the charts below. */}
                <span
                  className="run-swatch"
                  aria-hidden="true"
                  style={{ background: RUN_COLORS[i % RUN_COLORS.length] }}
                />
                {kind === 'backends'
                  ? BACKEND_LABELS[r.backend]
                  : kind === 'systems'
                    ? SYSTEM_LABELS[r.system]
                    : r.mode}{' '}
                {kind === 'picked' && <small className="muted">{`${r.name ?? ''} ${r.runId}`}</small>}
                {(kind === 'backends' || kind === 'systems') && <small className="muted">{r.mode}</small>}{' '}
                <button
                  type="button"
                  className="small"
                  aria-label={`Open the ${kind === 'systems' ? `${SYSTEM_LABELS[r.system]} ` : ''}${r.mode} run`}
                  onClick={() => void watchRun(r.runId).catch(() => {})}
                >
                  open
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {ROWS.map((row) => (
            <tr key={row.label}>
              <th scope="row">{row.label}</th>
              {runs.map((r) => (
                <td
                  key={r.runId}
                  className={row.label === 'Verdict' && r.report ? `v-${r.report.verdict}` : undefined}
                >
                  {r.report !== null ? row.value(r.report) : r.ended ? 'no report' : 'running…'}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <div className="compare-body">
        <CompareCharts runs={runs} />
        <Difference runs={runs} kind={kind} />
      </div>
      {kind === 'backends' && error === null && <ModelVsReal runs={runs} />}
      {sentences.map((s) => (
        <p key={s} className="compare-summary">
          {s}
        </p>
      ))}
    </section>
  );
}
