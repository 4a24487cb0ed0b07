import type { SimEvent } from '@eolab/engine';
import { useMemo } from 'react';
import { usePlotArea, useXAxisScale } from 'recharts';
import { useShallow } from 'zustand/react/shallow';
import { holdLabel, holdText } from '../explain/lso';
import { lsoHolds } from '../state/lso';
import { selectEvents } from '../state/scrub';
import { useStore } from '../state/store';

/** Virtual times worth a vertical line on every chart. */
export interface Marker {
  t: number;
  label: string;
  color: string;
  /** Dashed lines: checkpoints, and restores (so a failure at the same moment still shows through). */
  dash?: string;
}

/** A stretch of virtual time shaded on every chart: where Kafka's read_committed readers were held. */
export interface Band {
  fromMs: number;
  toMs: number;
  /** Drawn on the band. */
  label: string;
  /** Its tooltip: the whole story. */
  title: string;
}

const NO_BANDS: Band[] = [];

/** Kafka's holds at the last stable offset, as bands (none on Pravega: no lso-released events). */
export function useBands(): Band[] {
  const events = useStore(selectEvents);
  return useMemo(() => {
    const holds = lsoHolds(events);
    // The same empty list each time: a Pravega run's charts see nothing new here as events arrive.
    if (holds.length === 0) return NO_BANDS;
    return holds.map((h) => ({ fromMs: h.fromMs, toMs: h.toMs, label: holdLabel(h), title: holdText(h) }));
  }, [events]);
}

/** Failures, restores and faults drawn on every chart (the newest ones when there are more). */
const MAX_MARKERS = 48;

export function useMarkers(): Marker[] {
  const { events, faultTimeline } = useStore(
    useShallow((s) => ({ events: selectEvents(s), faultTimeline: s.faultTimeline })),
  );
  return useMemo(() => markersOf(events, faultTimeline), [events, faultTimeline]);
}

/** Completed checkpoints drawn on the charts; more are thinned out (the checkpoint timeline shows all). */
const MAX_CHECKPOINT_MARKERS = 24;

/** A thinned-out set of completed checkpoints, then failures, restores and faults. */
function markersOf(
  events: readonly SimEvent[],
  faults: readonly { kind: string; atMs?: number }[],
): Marker[] {
  const markers: Marker[] = [];
  const completed = events.filter((e) => e.kind === 'checkpoint-completed');
  const step = Math.ceil(completed.length / MAX_CHECKPOINT_MARKERS);
  completed.forEach((e, i) => {
    if (i % step === 0)
      markers.push({ t: e.t, label: 'checkpoint completed', color: 'var(--cp)', dash: '2 4' });
  });
  const incidents: Marker[] = [];
  for (const e of events) {
    if (e.kind === 'task-failed') incidents.push({ t: e.t, label: 'failure', color: 'var(--bad)' });
    if (e.kind === 'job-restored')
      incidents.push({ t: e.t, label: `restore @${e.position}`, color: 'var(--restore)', dash: '5 3' });
  }
  for (const f of faults)
    if (f.atMs !== undefined) incidents.push({ t: f.atMs, label: f.kind, color: 'var(--fault)' });
  return [...markers, ...incidents.slice(-MAX_MARKERS)];
}

/**
 * The markers as plain SVG lines inside the chart, placed with the chart's own x scale. Recharts'
 * ReferenceLine registers each line in the chart's store, which costs a store update per marker per
 * change; these cost nothing but their DOM.
 */
export function MarkerOverlay({
  markers,
  bands = [],
  highlightMs,
  domain: [from, to],
}: {
  markers: Marker[];
  bands?: Band[];
  highlightMs: number | null;
  domain: readonly [number, number];
}) {
  const x = useXAxisScale();
  const area = usePlotArea();
  if (x === undefined || area === undefined) return null;
  const y1 = area.y;
  const y2 = area.y + area.height;
  // Outside a zoomed window a line would be drawn over the y axis.
  const inside = (t: number) => t >= from && t <= to;
  const highlightX = highlightMs === null || !inside(highlightMs) ? undefined : x(highlightMs);
  return (
    <g className="chart-markers">
      {bands.map((b) => {
        if (b.toMs < from || b.fromMs > to) return null;
        const x1 = x(Math.max(b.fromMs, from))!;
        const x2 = x(Math.min(b.toMs, to))!;
        return (
          <g key={`${b.fromMs}-${b.toMs}-${b.label}`} className="lso-band">
            <rect
              x={x1}
              y={y1}
              width={Math.max(x2 - x1, 2)}
              height={y2 - y1}
              fill="var(--lso)"
              opacity={0.18}
            >
              <title>{b.title}</title>
            </rect>
            <text x={x1 + 4} y={y1 + 12} className="band-label">
              {b.label}
            </text>
          </g>
        );
      })}
      {markers.map((m) => {
        const px = inside(m.t) ? x(m.t) : undefined;
        if (px === undefined) return null;
        const checkpoint = m.color === 'var(--cp)';
        return (
          <line
            key={`${m.label}-${m.t}`}
            x1={px}
            x2={px}
            y1={y1}
            y2={y2}
            stroke={m.color}
            strokeDasharray={m.dash}
            strokeOpacity={checkpoint ? 0.6 : 0.9}
            strokeWidth={checkpoint ? 1 : 1.5}
          >
            <title>{`${m.label} at ${m.t} ms`}</title>
          </line>
        );
      })}
      {highlightX !== undefined && (
        <line
          x1={highlightX}
          x2={highlightX}
          y1={y1}
          y2={y2}
          stroke="var(--accent)"
          strokeWidth={3}
          className="highlight-marker"
        />
      )}
    </g>
  );
}
