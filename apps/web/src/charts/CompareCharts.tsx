import type { ReactNode } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  Line,
  LineChart,
  ReferenceArea,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { RUN_COLORS, RUN_DASHES, runLabels, shortNames } from '../explain/compare-difference';
import { holdLabel, holdText } from '../explain/lso';
import type { ComparedRun } from '../state/compare';
import { niceCeil, niceTicks } from './axis';

/**
 * The compared runs as small multiples, each on its own scale: values made visible (thousands),
 * duplicates (often a few hundred, or 0) and values missing at the end. On one axis the duplicates
 * sat flat at 0 under 20,000 visible values, hiding the very difference the comparison exists for.
 */

const AXIS = { stroke: 'var(--muted)', tick: { fill: 'var(--muted)', fontSize: 11 } } as const;
const TOOLTIP = { background: 'var(--panel)', border: '1px solid var(--border)', fontSize: 12 } as const;

function Multiple({ title, caption, children }: { title: string; caption: string; children: ReactNode }) {
  return (
    <figure className="chart compare-multiple" aria-label={`${title} chart`}>
      <h3>{title}</h3>
      <div className="compare-plot">{children}</div>
      <figcaption className="compare-caption">{caption}</figcaption>
    </figure>
  );
}

/** One virtual-time chart of one series, a line per run in the run's colour and dash. */
function OverTime({ runs, field }: { runs: ComparedRun[]; field: 'committed' | 'duplicates' }) {
  const runLabel = runLabels(runs);
  const end = Math.max(1, ...runs.map((r) => r.series.at(-1)?.t ?? 0));
  const top = niceCeil(Math.max(1, ...runs.map((r) => r.series.at(-1)?.[field] ?? 0)));
  return (
    <ResponsiveContainer width="100%" height={170}>
      <LineChart margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
        <CartesianGrid stroke="var(--grid)" />
        <XAxis
          dataKey="t"
          type="number"
          domain={[0, end]}
          {...AXIS}
          tickFormatter={(v: number) => `${v.toLocaleString('en')} ms`}
        />
        <YAxis
          domain={[0, top]}
          ticks={niceTicks(top, 4)}
          allowDecimals={false}
          {...AXIS}
          width={56}
          tickFormatter={(v: number) => v.toLocaleString('en')}
        />
        <Tooltip contentStyle={TOOLTIP} labelFormatter={(v: unknown) => `t = ${v} ms (virtual)`} />
        {/* Kafka's readers held at the last stable offset, shaded in the run's colour. */}
        {runs.flatMap((r, i) =>
          r.holds.map((h) => (
            <ReferenceArea
              key={`${r.runId}-${h.partition}-${h.toMs}`}
              x1={h.fromMs}
              x2={h.toMs}
              fill={RUN_COLORS[i % RUN_COLORS.length]}
              fillOpacity={0.12}
              stroke={RUN_COLORS[i % RUN_COLORS.length]}
              strokeDasharray="3 3"
              label={{ value: holdLabel(h), position: 'insideTopLeft', fill: 'var(--text)', fontSize: 11 }}
            />
          )),
        )}
        {runs.map((r, i) => (
          <Line
            key={r.runId}
            data={r.series}
            type="stepAfter"
            dataKey={field}
            name={runLabel(r)}
            stroke={RUN_COLORS[i % RUN_COLORS.length]}
            strokeDasharray={RUN_DASHES[i % RUN_DASHES.length]}
            strokeWidth={2}
            dot={false}
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </ResponsiveContainer>
  );
}

/** Missing values at the end: one bar per run (a run still going has none yet). */
function MissingBars({ runs }: { runs: ComparedRun[] }) {
  const runLabel = runLabels(runs);
  // An axis label has room for a mode, a system or a run id, not all: the legend above pairs them by colour.
  const short = shortNames(runs);
  const named = short(runs[0]!) !== runLabel(runs[0]!);
  const data = runs.map((r, i) => ({
    name: named ? short(r) : `run ${r.runId}`,
    label: runLabel(r),
    missing: r.report?.counts.missing ?? 0,
    color: RUN_COLORS[i % RUN_COLORS.length],
  }));
  const top = niceCeil(Math.max(1, ...data.map((d) => d.missing)));
  return (
    <ResponsiveContainer width="100%" height={170}>
      {/* Horizontal bars: the runs' names read along the category axis without overlapping. */}
      <BarChart data={data} layout="vertical" margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
        <CartesianGrid stroke="var(--grid)" />
        <XAxis
          type="number"
          domain={[0, top]}
          ticks={niceTicks(top, 4)}
          allowDecimals={false}
          {...AXIS}
          tickFormatter={(v: number) => v.toLocaleString('en')}
        />
        <YAxis type="category" dataKey="name" {...AXIS} tick={{ ...AXIS.tick, fontSize: 10 }} width={96} />
        <Tooltip
          contentStyle={TOOLTIP}
          labelFormatter={(_v: unknown, p) => String(p[0]?.payload.label ?? '')}
        />
        <Bar dataKey="missing" name="missing at the end" isAnimationActive={false}>
          {data.map((d) => (
            <Cell key={d.label} fill={d.color} />
          ))}
        </Bar>
      </BarChart>
    </ResponsiveContainer>
  );
}

const last = (r: ComparedRun, field: 'committed' | 'duplicates'): string =>
  (r.series.at(-1)?.[field] ?? 0).toLocaleString('en');

/** The runs' legend, once for the three charts (Recharts' own would repeat in each): colour, dash, mode, backend, run. */
function RunLegend({ runs }: { runs: ComparedRun[] }) {
  const runLabel = runLabels(runs);
  return (
    <ul className="run-legend" aria-label="Compared runs">
      {runs.map((r, i) => (
        <li key={r.runId}>
          <svg width="28" height="10" aria-hidden="true">
            <line
              x1="0"
              y1="5"
              x2="28"
              y2="5"
              stroke={RUN_COLORS[i % RUN_COLORS.length]}
              strokeWidth="3"
              strokeDasharray={RUN_DASHES[i % RUN_DASHES.length]}
            />
          </svg>
          {runLabel(r)}
        </li>
      ))}
    </ul>
  );
}

/** Each held reader in words, under the legend: what the shaded bands are. */
function Holds({ runs, name }: { runs: ComparedRun[]; name: (r: ComparedRun) => string }) {
  const held = runs.flatMap((r) => r.holds.map((h) => `${name(r)}: ${holdText(h)}`));
  if (held.length === 0) return null;
  return (
    <ul className="lso-holds" aria-label="Readers held at the last stable offset">
      {held.map((text) => (
        <li key={text}>{text}</li>
      ))}
    </ul>
  );
}

export function CompareCharts({ runs }: { runs: ComparedRun[] }) {
  const name = shortNames(runs);
  const per = (f: (r: ComparedRun) => string) => runs.map((r) => `${name(r)}: ${f(r)}`).join(' · ');
  return (
    <div className="compare-charts">
      <RunLegend runs={runs} />
      <Holds runs={runs} name={name} />
      <div className="compare-multiples">
        <Multiple title="Values made visible" caption={per((r) => last(r, 'committed'))}>
          <OverTime runs={runs} field="committed" />
        </Multiple>
        <Multiple title="Duplicates (own scale)" caption={per((r) => last(r, 'duplicates'))}>
          <OverTime runs={runs} field="duplicates" />
        </Multiple>
        <Multiple
          title="Missing at the end (own scale)"
          caption={per((r) =>
            r.report === null ? 'not ended' : r.report.counts.missing.toLocaleString('en'),
          )}
        >
          <MissingBars runs={runs} />
        </Multiple>
      </div>
    </div>
  );
}
