import { memo, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { checkpointSpans, type TxnOutcome, txnLabel, txnSpans } from '../derive';
import { useStore } from '../store';
import { useMarkers } from './Charts';

const WIDTH = 1000;
const LEFT = 64;
const MAX_SPANS = 160;

function useTimeScale() {
  const nowMs = useStore((s) => s.nowMs);
  const domain = Math.max(nowMs, 1);
  return (t: number) => LEFT + ((WIDTH - LEFT - 8) * Math.min(t, domain)) / domain;
}

const OUTCOME_COLOR: Record<TxnOutcome | 'completed' | 'pending', string> = {
  open: 'var(--c2)',
  flushed: 'var(--c5)',
  committing: 'var(--c5)',
  committed: 'var(--c3)',
  aborted: 'var(--bad)',
  expired: 'var(--fault)',
  completed: 'var(--c3)',
  pending: 'var(--c2)',
};

function MarkerRules({ height }: { height: number }) {
  const x = useTimeScale();
  // Checkpoints have their own timeline; here only failures, restores and faults.
  const markers = useMarkers().filter((m) => m.color !== 'var(--cp)');
  const highlightMs = useStore((s) => s.highlightMs);
  return (
    <>
      {markers.map((m, i) => (
        <line
          key={`${m.t}-${i}`}
          x1={x(m.t)}
          x2={x(m.t)}
          y1={0}
          y2={height}
          stroke={m.color}
          strokeWidth={1.5}
        />
      ))}
      {highlightMs !== null && (
        <line
          x1={x(highlightMs)}
          x2={x(highlightMs)}
          y1={0}
          y2={height}
          stroke="var(--accent)"
          strokeWidth={3}
        />
      )}
    </>
  );
}

export const CheckpointTimeline = memo(function CheckpointTimeline() {
  const { events, nowMs } = useStore(useShallow((s) => ({ events: s.events, nowMs: s.nowMs })));
  const spans = useMemo(() => checkpointSpans(events).slice(-MAX_SPANS), [events]);
  const x = useTimeScale();
  const height = 56;
  return (
    <section className="panel" aria-labelledby="cp-title">
      <h2 id="cp-title">Checkpoints</h2>
      <p className="hint">
        Each bar runs from trigger to completion (green) or abort (red); grey while pending.
      </p>
      <svg
        viewBox={`0 0 ${WIDTH} ${height}`}
        className="timeline"
        role="img"
        aria-label={`${spans.length} checkpoints`}
      >
        <text x={4} y={30} className="lane-label">
          checkpoint
        </text>
        {spans.map((s, i) => {
          const x1 = x(s.startMs);
          const x2 = Math.max(x(s.endMs ?? nowMs), x1 + 2);
          const y = 10 + (i % 3) * 14;
          const color =
            s.outcome === 'aborted' ? 'var(--bad)' : s.outcome === 'completed' ? 'var(--c3)' : 'var(--muted)';
          return (
            <rect key={s.id} x={x1} y={y} width={x2 - x1} height={10} rx={2} fill={color}>
              <title>{`checkpoint ${s.id}: position ${s.position}, ${s.startMs}–${s.endMs ?? '…'} ms, ${s.outcome}${s.reason ? ` (${s.reason})` : ''}`}</title>
            </rect>
          );
        })}
        <MarkerRules height={height} />
      </svg>
    </section>
  );
});

export const TransactionTimeline = memo(function TransactionTimeline() {
  const { events, nowMs, parallelism, mode } = useStore(
    useShallow((s) => ({
      events: s.events,
      nowMs: s.nowMs,
      parallelism: s.scenario?.sink.parallelism ?? 2,
      mode: s.scenario?.mode ?? null,
    })),
  );
  const spans = useMemo(() => txnSpans(events).slice(-MAX_SPANS), [events]);
  const x = useTimeScale();
  const laneHeight = 22;
  const height = parallelism * laneHeight + 24;
  return (
    <section className="panel" aria-labelledby="txn-title">
      <h2 id="txn-title">Transactions per sink subtask</h2>
      {mode !== 'EXACTLY_ONCE' ? (
        <p className="hint">
          This writer mode uses plain writes: no transactions. Switch exactly-once on to see them.
        </p>
      ) : (
        <p className="hint">
          Open (blue), pre-committed (purple), committed (green), aborted (red), lease expired (orange).
        </p>
      )}
      <svg
        viewBox={`0 0 ${WIDTH} ${height}`}
        className="timeline"
        role="img"
        aria-label={`${spans.length} transactions`}
      >
        {Array.from({ length: parallelism }, (_, lane) => (
          <text key={lane} x={4} y={lane * laneHeight + 16} className="lane-label">{`subtask ${lane}`}</text>
        ))}
        {spans.map((s) => {
          const x1 = x(s.startMs);
          const x2 = Math.max(x(s.endMs ?? nowMs), x1 + 2);
          const y = s.subtask * laneHeight + 5;
          return (
            <g key={s.txnId}>
              <rect
                x={x1}
                y={y}
                width={x2 - x1}
                height={14}
                rx={2}
                fill={OUTCOME_COLOR[s.outcome]}
                opacity={0.85}
              >
                <title>{`transaction ${txnLabel(s.checkpointId, s.subtask, s.txnId)} (attempt ${s.attempt}): ${s.outcome}, ${s.events} values, ${s.startMs}–${s.endMs ?? '…'} ms`}</title>
              </rect>
              {s.flushedMs !== null && (
                <line
                  x1={x(s.flushedMs)}
                  x2={x(s.flushedMs)}
                  y1={y}
                  y2={y + 14}
                  stroke="var(--panel)"
                  strokeWidth={1.5}
                />
              )}
            </g>
          );
        })}
        <MarkerRules height={height} />
      </svg>
    </section>
  );
});
