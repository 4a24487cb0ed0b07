import type { SimEvent } from '@eolab/engine';
import { type MouseEvent, memo, type ReactNode, useMemo } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useShallow } from 'zustand/react/shallow';
import { chartPng, download, seriesCsv } from '../exporting';
import { type CumulativePoint, useStore } from '../store';

/** Virtual times worth a vertical line on every chart. */
export interface Marker {
  t: number;
  label: string;
  color: string;
}

/** Reference lines are costly in Recharts 3 (each registers in its store): keep the chart markers few. */
const MAX_MARKERS = 24;

export function useMarkers(): Marker[] {
  const { events, faultTimeline } = useStore(
    useShallow((s) => ({ events: s.events, faultTimeline: s.faultTimeline })),
  );
  return useMemo(() => markersOf(events, faultTimeline), [events, faultTimeline]);
}

/** Completed checkpoints drawn on the charts; more are thinned out (the checkpoint timeline shows all). */
const MAX_CHECKPOINT_MARKERS = 12;

/** A thinned-out set of completed checkpoints, then failures, restores and faults. */
function markersOf(
  events: readonly SimEvent[],
  faults: readonly { kind: string; atMs?: number }[],
): Marker[] {
  const markers: Marker[] = [];
  const completed = events.filter((e) => e.kind === 'checkpoint-completed');
  const step = Math.ceil(completed.length / MAX_CHECKPOINT_MARKERS);
  completed.forEach((e, i) => {
    if (i % step === 0) markers.push({ t: e.t, label: 'checkpoint', color: 'var(--cp)' });
  });
  for (const e of events) {
    if (e.kind === 'task-failed') markers.push({ t: e.t, label: 'failure', color: 'var(--bad)' });
    if (e.kind === 'job-restored')
      markers.push({ t: e.t, label: `restore @${e.position}`, color: 'var(--restore)' });
  }
  for (const f of faults)
    if (f.atMs !== undefined) markers.push({ t: f.atMs, label: f.kind, color: 'var(--fault)' });
  return markers.slice(-(MAX_MARKERS + MAX_CHECKPOINT_MARKERS));
}

function MarkerLines({ markers, highlightMs }: { markers: Marker[]; highlightMs: number | null }) {
  return (
    <>
      {markers.map((m, i) => (
        <ReferenceLine
          key={`${m.label}-${m.t}-${i}`}
          x={m.t}
          stroke={m.color}
          strokeDasharray={m.color === 'var(--cp)' ? '2 4' : undefined}
          strokeOpacity={m.color === 'var(--cp)' ? 0.6 : 0.9}
          ifOverflow="extendDomain"
        />
      ))}
      {highlightMs !== null && (
        <ReferenceLine x={highlightMs} stroke="var(--accent)" strokeWidth={3} ifOverflow="extendDomain" />
      )}
    </>
  );
}

const axisProps = {
  stroke: 'var(--muted)',
  tick: { fill: 'var(--muted)', fontSize: 11 },
};

function timeAxis(nowMs: number) {
  return (
    <XAxis
      dataKey="t"
      type="number"
      domain={[0, Math.max(nowMs, 1)]}
      allowDataOverflow
      tickFormatter={(v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(0)} s` : `${v} ms`)}
      {...axisProps}
    />
  );
}

const tooltipStyle = {
  contentStyle: {
    background: 'var(--panel)',
    border: '1px solid var(--border)',
    borderRadius: 6,
    fontSize: 12,
  },
  labelFormatter: (v: unknown) => `t = ${v} ms (virtual)`,
};

interface ChartProps {
  series: CumulativePoint[];
  nowMs: number;
  markers: Marker[];
  highlightMs: number | null;
}

/** The frame every chart shares: one virtual-time axis, a y axis with its unit, tooltip, legend, markers. */
function TimeChart({
  data,
  nowMs,
  markers,
  highlightMs,
  height,
  yUnit,
  children,
}: Omit<ChartProps, 'series'> & {
  data: readonly object[];
  height: number;
  yUnit: string;
  children: ReactNode;
}) {
  return (
    <ResponsiveContainer width="100%" height={height}>
      <LineChart data={data as object[]} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
        <CartesianGrid stroke="var(--grid)" />
        {timeAxis(nowMs)}
        <YAxis
          {...axisProps}
          width={56}
          allowDecimals={false}
          label={{ value: yUnit, angle: -90, position: 'insideLeft', fill: 'var(--muted)', fontSize: 11 }}
        />
        <Tooltip {...tooltipStyle} />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        {children}
        {MarkerLines({ markers, highlightMs })}
      </LineChart>
    </ResponsiveContainer>
  );
}

/** One series; animation off, as every chart here updates ten times a second. */
function series(dataKey: keyof CumulativePoint, name: string, stroke: string, extra: object = {}) {
  return (
    <Line
      key={dataKey}
      type="stepAfter"
      dataKey={dataKey}
      name={name}
      stroke={stroke}
      dot={false}
      isAnimationActive={false}
      {...extra}
    />
  );
}

const ThroughputChart = memo(function ThroughputChart({ series: data, ...rest }: ChartProps) {
  return (
    <TimeChart data={data} height={230} yUnit="events" {...rest}>
      {series('emitted', 'emitted', 'var(--c1)')}
      {series('written', 'written', 'var(--c2)')}
      {series('committed', 'visible', 'var(--c3)', { strokeWidth: 2 })}
      {series('read', 'read by checker', 'var(--c4)', { strokeDasharray: '4 2' })}
    </TimeChart>
  );
});

const DuplicatesChart = memo(function DuplicatesChart({
  series: data,
  missing,
  ...rest
}: ChartProps & { missing: number | null }) {
  return (
    <TimeChart data={data} height={170} yUnit="values" {...rest}>
      {missing !== null && missing > 0 && (
        <ReferenceLine
          y={missing}
          stroke="var(--fault)"
          strokeDasharray="6 3"
          label={{
            value: `missing at the end: ${missing}`,
            fill: 'var(--fault)',
            fontSize: 11,
            position: 'insideTopLeft',
          }}
        />
      )}
      {series('duplicates', 'duplicates (cumulative)', 'var(--bad)', { strokeWidth: 2 })}
    </TimeChart>
  );
});

const LatencyChart = memo(function LatencyChart({ series: data, ...rest }: ChartProps) {
  const withReads = useMemo(() => data.filter((p) => p.latencyP99Ms > 0), [data]);
  return (
    <TimeChart data={withReads} height={170} yUnit="ms" {...rest}>
      {series('latencyP50Ms', 'visibility p50 (ms)', 'var(--c3)', { type: 'monotone' })}
      {series('latencyP99Ms', 'visibility p99 (ms)', 'var(--c5)', { type: 'monotone' })}
    </TimeChart>
  );
});

function useChartProps(): ChartProps {
  const { series, nowMs, highlightMs } = useStore(
    useShallow((s) => ({ series: s.series, nowMs: s.nowMs, highlightMs: s.highlightMs })),
  );
  const markers = useMarkers();
  return { series, nowMs, markers, highlightMs };
}

/** CSV of the data and PNG of the chart, for the panel the buttons sit in. */
function ExportButtons({ name }: { name: string }) {
  const exportCsv = () =>
    download(`${name}.csv`, new Blob([seriesCsv(useStore.getState().series)], { type: 'text/csv' }));
  const exportPng = (e: MouseEvent<HTMLButtonElement>) => {
    // The chart's own surface is the largest SVG in the panel (legend icons are SVGs too).
    const surfaces = [
      ...(e.currentTarget.closest('section')?.querySelectorAll<SVGSVGElement>('svg.recharts-surface') ?? []),
    ];
    const area = (el: SVGSVGElement) => el.getBoundingClientRect().width * el.getBoundingClientRect().height;
    const svg = surfaces.sort((a, b) => area(b) - area(a))[0];
    if (svg !== undefined) void chartPng(svg).then((blob) => download(`${name}.png`, blob));
  };
  return (
    <span className="exports">
      <button type="button" className="small" onClick={exportCsv} aria-label={`Download ${name} data as CSV`}>
        CSV
      </button>
      <button
        type="button"
        className="small"
        onClick={exportPng}
        aria-label={`Download ${name} chart as PNG`}
      >
        PNG
      </button>
    </span>
  );
}

export function ThroughputPanel() {
  return (
    <section className="panel" aria-labelledby="throughput-title">
      <div className="compare-head">
        <h2 id="throughput-title">Events over virtual time</h2>
        <ExportButtons name="events" />
      </div>
      <p className="hint">
        Cumulative counts. Vertical lines: failures (red), restores (green), faults (orange), some completed
        checkpoints (dashed grey).
      </p>
      <ThroughputChart {...useChartProps()} />
    </section>
  );
}

export function DuplicatesPanel() {
  return (
    <section className="panel" aria-labelledby="dups-title">
      <div className="compare-head">
        <h2 id="dups-title">Duplicates and missing values</h2>
        <ExportButtons name="duplicates" />
      </div>
      <DuplicatesChart {...useChartProps()} missing={useStore((s) => s.report?.counts.missing ?? null)} />
    </section>
  );
}

export function LatencyPanel() {
  return (
    <section className="panel" aria-labelledby="latency-title">
      <div className="compare-head">
        <h2 id="latency-title">Visibility latency</h2>
        <ExportButtons name="latency" />
      </div>
      <p className="hint">From a value's first emission to the checker reading it, per time bucket.</p>
      <LatencyChart {...useChartProps()} />
    </section>
  );
}
