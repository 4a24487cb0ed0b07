import { memo, type ReactNode, startTransition, useEffect, useMemo, useRef, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useShallow } from 'zustand/react/shallow';
import { selectReport } from '../state/scrub';
import { type CumulativePoint, downsample, selectSeries } from '../state/series';
import { useStore } from '../state/store';
import { useView } from '../state/view';
import { niceCeil, niceTicks, niceTicksBetween, PLOT_LEFT_PX, PLOT_RIGHT_PX } from './axis';
import { ExportButtons } from './ExportButtons';
import { type Band, type Marker, MarkerOverlay, useBands, useMarkers } from './markers';
import { TimeBrush } from './TimeBrush';
import { axisProps, CountTick, timeTickFor } from './ticks';
import { useAxisEndMs } from './time-domain';

/**
 * The run's three time charts (events, duplicates, latency): the store's series, cut to the
 * scrubbed time, taken in staggered slots, thinned to a bounded number of points, drawn with
 * animation off. The lines drawn over them (markers.tsx), their tick labels (ticks.tsx) and their
 * export buttons (ExportButtons.tsx) live beside this file.
 */

/*
 * The parts of every chart that never change are built once: an element React sees again is not
 * rendered again, and Recharts does not re-register its settings.
 */
const GRID = <CartesianGrid stroke="var(--grid)" />;
const TOOLTIP = (
  <Tooltip
    contentStyle={{
      background: 'var(--panel)',
      border: '1px solid var(--border)',
      borderRadius: 6,
      fontSize: 12,
    }}
    labelFormatter={(v: unknown) => `t = ${Number(v).toLocaleString('en')} ms (virtual)`}
    formatter={(v: unknown) => (typeof v === 'number' ? v.toLocaleString('en') : String(v))}
  />
);
const LEGEND = <Legend wrapperStyle={{ fontSize: 12 }} />;
const MARGIN = { top: 8, right: PLOT_RIGHT_PX, bottom: 0, left: 0 };
const Y_LABELS: Record<string, object> = {};
const yLabel = (unit: string): object => {
  Y_LABELS[unit] ??= { value: unit, angle: -90, position: 'insideLeft', fill: 'var(--muted)', fontSize: 11 };
  return Y_LABELS[unit]!;
};

interface ChartProps {
  series: CumulativePoint[];
  /** The window of the virtual-time axis every chart shares: the whole run, or the zoom. */
  domain: readonly [number, number];
  markers: Marker[];
  /** Kafka's holds at the last stable offset, shaded. */
  bands: Band[];
  highlightMs: number | null;
}

/** The frame every chart shares: one virtual-time axis, a y axis with its unit, tooltip, legend, markers. */
/**
 * A chart and, under it, its latest values in words: exact figures for a person, and what a test
 * (or a screen reader) can check the chart shows.
 */
function Figure({ name, readout, children }: { name: string; readout: string; children: ReactNode }) {
  return (
    <figure className="chart" aria-label={`${name} chart`}>
      <TimeBrush>{children}</TimeBrush>
      <figcaption className="readout">{readout}</figcaption>
    </figure>
  );
}

const fmt = (v: number) => v.toLocaleString('en');
const at = (p: { t: number } | undefined) => (p === undefined ? 'no data yet' : `at ${fmt(p.t)} ms:`);

function TimeChart({
  data,
  domain,
  markers,
  bands,
  highlightMs,
  height,
  yUnit,
  yMax,
  children,
}: Omit<ChartProps, 'series'> & {
  data: readonly object[];
  height: number;
  yUnit: string;
  /** The largest value plotted; the y axis ends at the next nice number above it. */
  yMax: number;
  children: ReactNode;
}) {
  // Stable domain objects that move in steps: Recharts recomputes its ticks only when an axis moves.
  const [fromMs, toMs] = domain;
  const xDomain = useMemo(() => [fromMs, toMs] as [number, number], [fromMs, toMs]);
  const xTicks = useMemo(() => niceTicksBetween(fromMs, toMs), [fromMs, toMs]);
  const yEnd = niceCeil(yMax);
  const yDomain = useMemo(() => [0, yEnd] as [number, number], [yEnd]);
  const yTicks = useMemo(() => niceTicks(yEnd), [yEnd]);
  return (
    <ResponsiveContainer width="100%" height={height}>
      {/* accessibilityLayer off: it made the chart an unnamed tab stop; the figcaption says its values in words. */}
      <LineChart data={data as object[]} margin={MARGIN} accessibilityLayer={false}>
        {GRID}
        <XAxis
          dataKey="t"
          type="number"
          domain={xDomain}
          ticks={xTicks}
          allowDataOverflow
          tick={timeTickFor(toMs - fromMs)}
          {...axisProps}
        />
        <YAxis
          {...axisProps}
          width={PLOT_LEFT_PX}
          domain={yDomain}
          ticks={yTicks}
          allowDataOverflow
          allowDecimals={false}
          tick={CountTick}
          label={yLabel(yUnit)}
        />
        {TOOLTIP}
        {LEGEND}
        {children}
        <MarkerOverlay markers={markers} bands={bands} highlightMs={highlightMs} domain={domain} />
      </LineChart>
    </ResponsiveContainer>
  );
}

/** One series; animation off, as every chart here updates ten times a second. */
function series(
  dataKey: keyof CumulativePoint | keyof DuplicatesPoint,
  name: string,
  stroke: string,
  extra: object = {},
) {
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

/*
 * No dashed series: Recharts measures the length of a dashed path on every update. The checker's
 * reads are a wide translucent band under the others, so they stay visible where the lines meet.
 */
const THROUGHPUT_LINES = [
  series('read', 'read by checker', 'var(--c4)', { strokeWidth: 5, strokeOpacity: 0.35 }),
  series('emitted', 'emitted', 'var(--c1)'),
  series('written', 'written', 'var(--c2)'),
  series('committed', 'visible', 'var(--c3)', { strokeWidth: 2 }),
];

/** The last point drawn inside the window: cumulative series peak there. */
const lastUpTo = <P extends { t: number }>(data: readonly P[], toMs: number): P | undefined =>
  data.findLast((p) => p.t <= toMs) ?? data[0];

const ThroughputChart = memo(function ThroughputChart({ series: data, ...rest }: ChartProps) {
  const last = data.at(-1);
  const top = lastUpTo(data, rest.domain[1]);
  const yMax = top === undefined ? 0 : Math.max(top.emitted, top.written, top.committed, top.read);
  return (
    <Figure
      name="Events over virtual time"
      readout={
        last === undefined
          ? at(last)
          : `${at(last)} emitted ${fmt(last.emitted)} · written ${fmt(last.written)} · visible ${fmt(last.committed)} · read ${fmt(last.read)}`
      }
    >
      <TimeChart data={data} height={230} yUnit="events" yMax={yMax} {...rest}>
        {THROUGHPUT_LINES}
      </TimeChart>
    </Figure>
  );
});

interface DuplicatesPoint {
  t: number;
  duplicates: number;
  /** What the checker knows is missing: nothing until it has read the end of the stream. */
  missing: number;
}

const DUPLICATE_LINES = [
  series('duplicates', 'duplicates (cumulative)', 'var(--bad)', { strokeWidth: 2 }),
  series('missing', 'missing (known at the end)', 'var(--fault)', { strokeWidth: 2 }),
];

const DuplicatesChart = memo(function DuplicatesChart({
  series: data,
  missing,
  ...rest
}: ChartProps & { missing: number | null }) {
  const points = useMemo(
    () =>
      data.map(
        (p, i): DuplicatesPoint => ({
          t: p.t,
          duplicates: p.duplicates,
          missing: i === data.length - 1 ? (missing ?? 0) : 0,
        }),
      ),
    [data, missing],
  );
  const zoomedOut = rest.domain[1] >= (data.at(-1)?.t ?? 0);
  const yMax = Math.max(lastUpTo(data, rest.domain[1])?.duplicates ?? 0, zoomedOut ? (missing ?? 0) : 0);
  return (
    <Figure
      name="Duplicates and missing values"
      readout={
        points.length === 0
          ? at(undefined)
          : `${at(points.at(-1))} ${fmt(points.at(-1)!.duplicates)} duplicates · ${missing === null ? 'missing known at the end' : `${fmt(missing)} missing`}`
      }
    >
      <TimeChart data={points} height={170} yUnit="values" yMax={yMax} {...rest}>
        {DUPLICATE_LINES}
      </TimeChart>
    </Figure>
  );
});

/** Steps, not curves: each bucket's latency is drawn over that bucket, from its start. */
const LATENCY_LINES = [
  series('latencyP50Ms', 'visibility p50 (ms)', 'var(--p50)'),
  series('latencyP99Ms', 'visibility p99 (ms)', 'var(--p99)'),
];

const LatencyChart = memo(function LatencyChart({ series: data, ...rest }: ChartProps) {
  const withReads = useMemo(
    () => data.filter((p) => p.latencyP99Ms > 0).map((p) => ({ ...p, t: p.startMs })),
    [data],
  );
  const worst = useMemo(() => withReads.reduce((m, p) => Math.max(m, p.latencyP99Ms), 0), [withReads]);
  const [from, to] = rest.domain;
  const yMax = useMemo(
    () => withReads.reduce((m, p) => (p.t >= from && p.t <= to ? Math.max(m, p.latencyP99Ms) : m), 0),
    [withReads, from, to],
  );
  return (
    <Figure
      name="Visibility latency"
      readout={
        withReads.length === 0
          ? 'no value read yet'
          : `${at(withReads.at(-1))} p50 ${fmt(withReads.at(-1)!.latencyP50Ms)} ms · p99 ${fmt(withReads.at(-1)!.latencyP99Ms)} ms · worst p99 ${fmt(worst)} ms`
      }
    >
      <TimeChart data={withReads} height={170} yUnit="ms" yMax={yMax} {...rest}>
        {LATENCY_LINES}
      </TimeChart>
    </Figure>
  );
});

/** Milliseconds between the updates of two charts after a flush. */
const STAGGER_MS = 40;
/** A chart takes new data at most this often (the store is flushed more often). */
const CHART_REFRESH_MS = 200;

/**
 * A value that follows `value` a little later, in its own task and as a transition: each chart
 * takes its new data in a different slot, at most every CHART_REFRESH_MS, so the charts never add
 * up to one long task, and React renders them in interruptible slices. Recharts then redraws in
 * the next animation frame, one chart per frame.
 */
function useStaggered<T>(value: T, slot: number): T {
  const [shown, setShown] = useState(value);
  const lastMs = useRef(Number.NEGATIVE_INFINITY);
  useEffect(() => {
    const waitMs = Math.max(slot * STAGGER_MS, lastMs.current + CHART_REFRESH_MS - performance.now());
    const id = setTimeout(() => {
      lastMs.current = performance.now();
      startTransition(() => setShown(value));
    }, waitMs);
    return () => clearTimeout(id);
  }, [value, slot]);
  return shown;
}

/** What a chart draws; `slot` says when it takes its data after a flush. */
function useChartProps(slot: number): ChartProps {
  const { series, highlightMs } = useStore(
    useShallow((s) => ({ series: selectSeries(s), highlightMs: s.highlightMs })),
  );
  const endMs = useAxisEndMs();
  const markers = useMarkers();
  const bands = useBands();
  const zoom = useView((v) => v.zoom);
  const latest = useMemo(() => ({ series, endMs, markers, bands }), [series, endMs, markers, bands]);
  const shown = useStaggered(latest, slot);
  const points = useMemo(() => downsample(shown.series), [shown.series]);
  // A zoom applies at once; only the data (and the axis growing with it) is staggered.
  const domain = useMemo(() => zoom ?? ([0, shown.endMs] as const), [zoom, shown.endMs]);
  return { series: points, domain, markers: shown.markers, bands: shown.bands, highlightMs };
}

export function ThroughputPanel() {
  return (
    <section className="panel" aria-labelledby="throughput-title">
      <div className="compare-head">
        <h2 id="throughput-title">Events over virtual time</h2>
        <ExportButtons name="events" />
      </div>
      <p className="hint">
        Cumulative counts, each drawn at the end of the time bucket it happened in. Vertical lines: failures
        (red), restores (dashed cyan), injected faults (orange), the moment picked in the narration (blue),
        some completed checkpoints (dashed grey).
      </p>
      <ThroughputChart {...useChartProps(0)} />
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
      <DuplicatesChart
        {...useChartProps(1)}
        missing={useStore((s) => selectReport(s)?.counts.missing ?? null)}
      />
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
      <LatencyChart {...useChartProps(2)} />
    </section>
  );
}
