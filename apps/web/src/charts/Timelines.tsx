import { txnName } from '@eolab/engine';
import { memo, type ReactNode, type RefObject, useEffect, useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { checkpointSpans, type TxnSpan, txnSpans } from '../explain/spans';
import { selectEvents, selectNowMs } from '../state/scrub';
import { useStore } from '../state/store';
import { formatTick, niceTicksBetween } from './axis';
import { useMarkers } from './markers';
import { TimeBrush } from './TimeBrush';
import { timeToPx, useTimeDomain } from './time-domain';

const MAX_SPANS = 160;
/** Height of the time axis drawn under each timeline. */
const AXIS_PX = 18;

/** The width an element is laid out at, followed as the window resizes. */
function useWidth(ref: RefObject<HTMLElement | null>): number {
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
type Scale = (t: number) => number;

/** Whether a span of virtual time shows in the window at all. */
type Visible = (startMs: number, endMs: number) => boolean;

const COLORS = {
  open: 'var(--c2)',
  precommitted: 'var(--c5)',
  committed: 'var(--c3)',
  aborted: 'var(--bad)',
  expired: 'var(--fault)',
  pending: 'var(--muted)',
} as const;

/** The frame both timelines share: a pixel-wide SVG, lanes, markers and the time axis below. */
function TimelineFrame({
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

function TimeAxis({ x, domain: [from, to], y }: { x: Scale; domain: readonly [number, number]; y: number }) {
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
function MarkerRules({ x, visible, height }: { x: Scale; visible: Visible; height: number }) {
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

function Legend({ items }: { items: [string, string][] }) {
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

const CHECKPOINT_ROWS = 3;
const CHECKPOINT_ROW_PX = 14;

export const CheckpointTimeline = memo(function CheckpointTimeline() {
  const { events, nowMs } = useStore(useShallow((s) => ({ events: selectEvents(s), nowMs: selectNowMs(s) })));
  const spans = useMemo(() => checkpointSpans(events).slice(-MAX_SPANS), [events]);
  const lanesPx = CHECKPOINT_ROWS * CHECKPOINT_ROW_PX + 8;
  return (
    <section className="panel" aria-labelledby="cp-title">
      <div className="panel-head">
        <h2 id="cp-title">Checkpoints</h2>
        <Legend
          items={[
            ['pending', COLORS.pending],
            ['completed', COLORS.committed],
            ['aborted', COLORS.aborted],
          ]}
        />
      </div>
      <p className="hint">Each bar runs from a checkpoint's trigger to its completion or abort.</p>
      <TimelineFrame label={`${spans.length} checkpoints`} lanesPx={lanesPx}>
        {(x, visible) => (
          <>
            <text x={4} y={lanesPx / 2 + 4} className="lane-label">
              checkpoints
            </text>
            {spans.map((s, i) => {
              if (!visible(s.startMs, s.endMs ?? nowMs)) return null;
              const x1 = x(s.startMs);
              const x2 = Math.max(x(s.endMs ?? nowMs), x1 + 3);
              const color =
                s.outcome === 'aborted'
                  ? COLORS.aborted
                  : s.outcome === 'completed'
                    ? COLORS.committed
                    : COLORS.pending;
              return (
                <rect
                  key={s.id}
                  x={x1}
                  y={4 + (i % CHECKPOINT_ROWS) * CHECKPOINT_ROW_PX}
                  width={x2 - x1}
                  height={10}
                  rx={2}
                  fill={color}
                >
                  <title>{`checkpoint ${s.id}: position ${s.position}, ${s.startMs}–${s.endMs ?? '…'} ms, ${s.outcome}${s.reason ? ` (${s.reason})` : ''}`}</title>
                </rect>
              );
            })}
          </>
        )}
      </TimelineFrame>
    </section>
  );
});

const LANE_PX = 24;
const BAR_PX = 14;
/** Width of the cap that shows how a transaction ended. */
const CAP_PX = 5;

/** One transaction: open (collecting values), then pre-committed (flushed, waiting), then how it ended. */
function TxnBar({ span, x, nowMs }: { span: TxnSpan; x: Scale; nowMs: number }) {
  const y = span.subtask * LANE_PX + 5;
  const start = x(span.startMs);
  const flushed = span.flushedMs === null ? null : x(span.flushedMs);
  const end = Math.max(x(span.endMs ?? nowMs), start + 2);
  const ended = span.outcome === 'committed' || span.outcome === 'aborted' || span.outcome === 'expired';
  const title = `transaction ${txnName(span)} (store id ${span.txnId}): ${span.outcome}, ${span.events} values, ${span.startMs}–${span.endMs ?? '…'} ms`;
  return (
    <g>
      <title>{title}</title>
      <rect
        x={start}
        y={y}
        width={(flushed ?? end) - start}
        height={BAR_PX}
        fill={COLORS.open}
        opacity={0.6}
      />
      {flushed !== null && (
        <rect
          x={flushed}
          y={y}
          width={Math.max(end - flushed, 1)}
          height={BAR_PX}
          fill={COLORS.precommitted}
        />
      )}
      {ended && (
        <rect
          x={end - CAP_PX}
          y={y - 2}
          width={CAP_PX}
          height={BAR_PX + 4}
          rx={1}
          fill={COLORS[span.outcome as 'committed' | 'aborted' | 'expired']}
        />
      )}
    </g>
  );
}

export const TransactionTimeline = memo(function TransactionTimeline() {
  const { events, nowMs, parallelism, mode } = useStore(
    useShallow((s) => ({
      events: selectEvents(s),
      nowMs: selectNowMs(s),
      parallelism: s.scenario?.sink.parallelism ?? 2,
      mode: s.scenario?.mode ?? null,
    })),
  );
  const spans = useMemo(() => txnSpans(events).slice(-MAX_SPANS), [events]);
  const lanesPx = parallelism * LANE_PX + 4;
  return (
    <section className="panel" aria-labelledby="txn-title">
      <div className="panel-head">
        <h2 id="txn-title">Transactions per sink subtask</h2>
        <Legend
          items={[
            ['open', COLORS.open],
            ['pre-committed', COLORS.precommitted],
            ['committed', COLORS.committed],
            ['aborted', COLORS.aborted],
            ['lease expired', COLORS.expired],
          ]}
        />
      </div>
      <p className="hint">
        {mode !== null && mode !== 'EXACTLY_ONCE'
          ? 'This writer mode uses plain writes: no transactions. Switch exactly-once on to see them.'
          : 'One Pravega transaction per subtask per checkpoint: open while it collects values, pre-committed once flushed at the barrier, then committed when the checkpoint completes (or aborted, or expired).'}
      </p>
      <TimelineFrame label={`${spans.length} transactions`} lanesPx={lanesPx}>
        {(x, visible) => (
          <>
            {Array.from({ length: parallelism }, (_, lane) => (
              <text key={lane} x={4} y={lane * LANE_PX + 16} className="lane-label">{`subtask ${lane}`}</text>
            ))}
            {spans.map((s) =>
              visible(s.startMs, s.endMs ?? nowMs) ? (
                <TxnBar key={s.txnId} span={s} x={x} nowMs={nowMs} />
              ) : null,
            )}
          </>
        )}
      </TimelineFrame>
    </section>
  );
});
