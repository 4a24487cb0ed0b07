import type { Report } from '@eolab/engine';
import { useShallow } from 'zustand/react/shallow';
import { closeCompare, summarize, useCompare } from '../compare';
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
    value: (r) => `${r.counts.missing}${r.missing.length > 0 ? ` (${summarizeValues(r.missing)})` : ''}`,
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
  { label: 'Job', value: (r) => (r.finished ? 'finished' : 'failed') },
];

export function ComparePanel() {
  const { runs, error } = useCompare(useShallow((s) => ({ runs: s.runs, error: s.error })));
  if (runs.length === 0 && error === null) return null;
  const sentences = summarize(runs);
  return (
    <section className="panel compare" aria-labelledby="compare-title">
      <div className="compare-head">
        <h2 id="compare-title">Compare modes: same scenario, same fault timeline</h2>
        <button
          type="button"
          className="ghost small"
          onClick={closeCompare}
          aria-label="Close the comparison"
        >
          ✕
        </button>
      </div>
      {error !== null && <p className="note">{error}</p>}
      <table className="compare-table">
        <thead>
          <tr>
            <th scope="col">Run</th>
            {runs.map((r) => (
              <th key={r.runId} scope="col">
                {r.mode}
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
                  {r.report === null ? 'running…' : row.value(r.report)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {sentences.map((s) => (
        <p key={s} className="compare-summary">
          {s}
        </p>
      ))}
    </section>
  );
}
