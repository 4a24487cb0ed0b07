import { txnName } from '@eolab/engine';
import { memo, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { type TxnSpan, txnSpans } from '../explain/spans';
import { selectEvents, selectNowMs } from '../state/scrub';
import { useStore } from '../state/store';
import { COLORS, Legend, MAX_SPANS, type Scale, TimelineFrame } from './timeline-frame';

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
