import { type ReactNode, type RefObject, useEffect, useRef, useState } from 'react';
import { useStore } from '../state/store';
import { formatTick, niceTicksBetween } from './axis';
import { useMarkers } from './markers';
import { TimeBrush } from './TimeBrush';
import { timeToPx, useTimeDomain } from './time-domain';

/** What the checkpoint and transaction timelines share: the frame, its axis, its markers, its legend. */

export const MAX_SPANS = 160;
/** Height of the time axis drawn under each timeline. */
export const AXIS_PX = 18;

/** The width an element is laid out at, followed as the window resizes. */
export function useWidth(ref: RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(800);
  useEffect(() => {
    const el = ref.current;
    if (el === null) return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry !== undefined) setWidth(Math.round(entry.contentRect.width));
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

/**
 * The charts' virtual-time axis in pixels: the timeline's plot area starts and ends where the
 * charts' do, so a moment sits at the same x in every panel.
 */
export type Scale = (t: number) => number;

/** Whether a span of virtual time shows in the window at all. */
export type Visible = (startMs: number, endMs: number) => boolean;

export const COLORS = {
  open: 'var(--c2)',
  precommitted: 'var(--c5)',
  committed: 'var(--c3)',
  aborted: 'var(--bad)',
  expired: 'var(--fault)',
  pending: 'var(--muted)',
} as const;

/** The frame both timelines share: a pixel-wide SVG, lanes, markers and the time axis below. */
export function TimelineFrame({
  label,
  lanesPx,
  children,
}: {
  label: string;
  lanesPx: number;
  children: (x: Scale, visible: Visible) => ReactNode;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const width = useWidth(ref);
  const domain = useTimeDomain();
  const x = (t: number) => timeToPx(t, width, domain);
  const visible = (startMs: number, endMs: number) => endMs >= domain[0] && startMs <= domain[1];
  const height = lanesPx + AXIS_PX;
  return (
    <TimeBrush>
      <div ref={ref} className="timeline-box">
        <svg width={width} height={height} className="timeline" role="img" aria-label={label}>
          {children(x, visible)}
          <MarkerRules x={x} visible={visible} height={lanesPx} />
          <TimeAxis x={x} domain={domain} y={lanesPx} />
        </svg>
      </div>
    </TimeBrush>
  );
}

export function TimeAxis({
  x,
  domain: [from, to],
  y,
}: {
  x: Scale;
  domain: readonly [number, number];
  y: number;
}) {
  return (
    <g className="timeline-axis">
      <line x1={x(from)} x2={x(to)} y1={y} y2={y} stroke="var(--border)" />
      {niceTicksBetween(from, to).map((t) => (
        <text key={t} x={x(t)} y={y + 13} textAnchor="middle" className="tick">
          {formatTick(t, to - from)}
        </text>
      ))}
    </g>
  );
}

/** Failures, restores and faults, and the moment picked in the narration. */
export function MarkerRules({ x, visible, height }: { x: Scale; visible: Visible; height: number }) {
  const markers = useMarkers().filter((m) => m.color !== 'var(--cp)' && visible(m.t, m.t));
  const highlightMs = useStore((s) => s.highlightMs);
  return (
    <g>
      {markers.map((m) => (
        <line
          key={`${m.label}-${m.t}`}
          x1={x(m.t)}
          x2={x(m.t)}
          y1={0}
          y2={height}
          stroke={m.color}
          strokeDasharray={m.dash}
          strokeWidth={1.5}
        >
          <title>{`${m.label} at ${m.t} ms`}</title>
        </line>
      ))}
      {highlightMs !== null && visible(highlightMs, highlightMs) && (
        <line
          x1={x(highlightMs)}
          x2={x(highlightMs)}
          y1={0}
          y2={height}
          stroke="var(--accent)"
          strokeWidth={3}
          className="highlight-marker"
        />
      )}
    </g>
  );
}

export function Legend({ items }: { items: [string, string][] }) {
  return (
    <ul className="legend">
      {items.map(([name, color]) => (
        <li key={name}>
          <span className="swatch" style={{ background: color }} aria-hidden="true" />
          {name}
        </li>
      ))}
    </ul>
  );
}
