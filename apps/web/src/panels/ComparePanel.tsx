import type { Report } from '@eolab/engine';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useShallow } from 'zustand/react/shallow';
import { type ComparedRun, closeCompare, modelVsReal, summarize, useCompare } from '../state/compare';
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

const MODE_COLOR: Record<string, string> = {
  BEST_EFFORT: 'var(--fault)',
  ATLEAST_ONCE: 'var(--c1)',
  EXACTLY_ONCE: 'var(--c3)',
};

/** Colours for runs that are not one per mode (the same mode on two backends, runs picked by hand). */
const RUN_COLORS = ['var(--c1)', 'var(--c5)', 'var(--c2)', 'var(--fault)'];

type Kind = keyof typeof TITLES;

/** How a compared run is named and drawn: by its mode, or, when modes may repeat, by backend or id. */
function looks(kind: Kind, r: ComparedRun, i: number): { label: string; color: string } {
  if (kind === 'modes') return { label: r.mode, color: MODE_COLOR[r.mode]! };
  const label = kind === 'backends' ? BACKEND_LABELS[r.backend] : `${r.mode} ${r.runId}`;
  return { label, color: RUN_COLORS[i % RUN_COLORS.length]! };
}

/** The compared runs overlaid on one virtual-time axis: values made visible, and duplicates. */
function OverlayChart({ runs, kind }: { runs: ComparedRun[]; kind: Kind }) {
  const end = Math.max(1, ...runs.map((r) => r.series.at(-1)?.t ?? 0));
  return (
    <ResponsiveContainer width="100%" height={200}>
      <LineChart margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
        <CartesianGrid stroke="var(--grid)" />
        <XAxis
          dataKey="t"
          type="number"
          domain={[0, end]}
          stroke="var(--muted)"
          tick={{ fill: 'var(--muted)', fontSize: 11 }}
          tickFormatter={(v: number) => `${v} ms`}
        />
        <YAxis stroke="var(--muted)" tick={{ fill: 'var(--muted)', fontSize: 11 }} width={56} />
        <Tooltip
          contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', fontSize: 12 }}
          labelFormatter={(v: unknown) => `t = ${v} ms (virtual)`}
        />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        {runs.map((r, i) => (
          <Line
            key={`v-${r.runId}`}
            data={r.series}
            type="stepAfter"
            dataKey="committed"
            name={`${looks(kind, r, i).label} visible`}
            stroke={looks(kind, r, i).color}
            dot={false}
            isAnimationActive={false}
          />
        ))}
        {runs.map((r, i) => (
          <Line
            key={`d-${r.runId}`}
            data={r.series}
            type="stepAfter"
            dataKey="duplicates"
            name={`${looks(kind, r, i).label} duplicates`}
            stroke={looks(kind, r, i).color}
            strokeDasharray="4 3"
            dot={false}
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </ResponsiveContainer>
  );
}

const TITLES = {
  modes: 'Compare modes: same scenario, same fault timeline',
  backends: 'Simulated vs real: same scenario, same fault timeline',
  picked: 'Compare runs',
} as const;

const BACKEND_LABELS = { simulated: 'Simulated', postgres: 'PostgreSQL' } as const;

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
  const { runs, error, kind, stored } = useCompare(
    useShallow((s) => ({ runs: s.runs, error: s.error, kind: s.kind, stored: s.stored })),
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
      {error !== null && <p className="note">{error}</p>}
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
            {runs.map((r) => (
              <th key={r.runId} scope="col">
                {kind === 'backends' ? BACKEND_LABELS[r.backend] : r.mode}{' '}
                {kind === 'picked' && <small className="muted">{`${r.name ?? ''} ${r.runId}`}</small>}
                {kind === 'backends' && <small className="muted">{r.mode}</small>}{' '}
                <button
                  type="button"
                  className="small"
                  aria-label={`Open the ${r.mode} run`}
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
                  {r.report === null ? 'running…' : row.value(r.report)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <OverlayChart runs={runs} kind={kind} />
      {kind === 'backends' && <ModelVsReal runs={runs} />}
      {sentences.map((s) => (
        <p key={s} className="compare-summary">
          {s}
        </p>
      ))}
    </section>
  );
}
