import type { SimEvent } from '@eolab/engine';
import { memo, useMemo } from 'react';
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

const ThroughputChart = memo(function ThroughputChart({ series, nowMs, markers, highlightMs }: ChartProps) {
  return (
    <ResponsiveContainer width="100%" height={230}>
      <LineChart data={series} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
        <CartesianGrid stroke="var(--grid)" />
        {timeAxis(nowMs)}
        <YAxis
          {...axisProps}
          width={56}
          label={{ value: 'events', angle: -90, position: 'insideLeft', fill: 'var(--muted)', fontSize: 11 }}
        />
        <Tooltip {...tooltipStyle} />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        <Line
          type="stepAfter"
          dataKey="emitted"
          name="emitted"
          stroke="var(--c1)"
          dot={false}
          isAnimationActive={false}
        />
        <Line
          type="stepAfter"
          dataKey="written"
          name="written"
          stroke="var(--c2)"
          dot={false}
          isAnimationActive={false}
        />
        <Line
          type="stepAfter"
          dataKey="committed"
          name="visible"
          stroke="var(--c3)"
          dot={false}
          isAnimationActive={false}
          strokeWidth={2}
        />
        <Line
          type="stepAfter"
          dataKey="read"
          name="read by checker"
          stroke="var(--c4)"
          dot={false}
          isAnimationActive={false}
          strokeDasharray="4 2"
        />
        {MarkerLines({ markers, highlightMs })}
      </LineChart>
    </ResponsiveContainer>
  );
});

const DuplicatesChart = memo(function DuplicatesChart({
  series,
  nowMs,
  markers,
  highlightMs,
  missing,
}: ChartProps & { missing: number | null }) {
  return (
    <ResponsiveContainer width="100%" height={170}>
      <LineChart data={series} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
        <CartesianGrid stroke="var(--grid)" />
        {timeAxis(nowMs)}
        <YAxis
          {...axisProps}
          width={56}
          allowDecimals={false}
          label={{ value: 'values', angle: -90, position: 'insideLeft', fill: 'var(--muted)', fontSize: 11 }}
        />
        <Tooltip {...tooltipStyle} />
        <Legend wrapperStyle={{ fontSize: 12 }} />
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
        <Line
          type="stepAfter"
          dataKey="duplicates"
          name="duplicates (cumulative)"
          stroke="var(--bad)"
          dot={false}
          isAnimationActive={false}
          strokeWidth={2}
        />
        {MarkerLines({ markers, highlightMs })}
      </LineChart>
    </ResponsiveContainer>
  );
});

const LatencyChart = memo(function LatencyChart({ series, nowMs, markers, highlightMs }: ChartProps) {
  const withReads = useMemo(() => series.filter((p) => p.latencyP99Ms > 0), [series]);
  return (
    <ResponsiveContainer width="100%" height={170}>
      <LineChart data={withReads} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
        <CartesianGrid stroke="var(--grid)" />
        {timeAxis(nowMs)}
        <YAxis
          {...axisProps}
          width={56}
          label={{ value: 'ms', angle: -90, position: 'insideLeft', fill: 'var(--muted)', fontSize: 11 }}
        />
        <Tooltip {...tooltipStyle} />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        <Line
          type="monotone"
          dataKey="latencyP50Ms"
          name="visibility p50 (ms)"
          stroke="var(--c3)"
          dot={false}
          isAnimationActive={false}
        />
        <Line
          type="monotone"
          dataKey="latencyP99Ms"
          name="visibility p99 (ms)"
          stroke="var(--c5)"
          dot={false}
          isAnimationActive={false}
        />
        {MarkerLines({ markers, highlightMs })}
      </LineChart>
    </ResponsiveContainer>
  );
});

function useChartProps(): ChartProps {
  const { series, nowMs, highlightMs } = useStore(
    useShallow((s) => ({ series: s.series, nowMs: s.nowMs, highlightMs: s.highlightMs })),
  );
  const markers = useMarkers();
  return { series, nowMs, markers, highlightMs };
}

export function ThroughputPanel() {
  return (
    <section className="panel" aria-labelledby="throughput-title">
      <h2 id="throughput-title">Events over virtual time</h2>
      <p className="hint">
        Cumulative counts. Vertical lines: failures (red), restores (green), faults (orange).
      </p>
      <ThroughputChart {...useChartProps()} />
    </section>
  );
}

export function DuplicatesPanel() {
  return (
    <section className="panel" aria-labelledby="dups-title">
      <h2 id="dups-title">Duplicates and missing values</h2>
      <DuplicatesChart {...useChartProps()} missing={useStore((s) => s.report?.counts.missing ?? null)} />
    </section>
  );
}

export function LatencyPanel() {
  return (
    <section className="panel" aria-labelledby="latency-title">
      <h2 id="latency-title">Visibility latency</h2>
      <p className="hint">From a value's first emission to the checker reading it, per time bucket.</p>
      <LatencyChart {...useChartProps()} />
    </section>
  );
}
