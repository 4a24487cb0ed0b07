import { txnName } from '@eolab/engine';
import { memo, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { holdLabel, holdText } from '../explain/lso';
import { type TxnSpan, txnSpans } from '../explain/spans';
import { laneIndex, txnLanes } from '../explain/txn-lanes';
import { type LsoHold, lsoHolds } from '../state/lso';
import { selectEvents, selectNowMs } from '../state/scrub';
import { useStore } from '../state/store';
import { COLORS, Legend, MAX_SPANS, type Scale, TimelineFrame } from './timeline-frame';

const LANE_PX = 24;
const BAR_PX = 14;
/** Width of the cap that shows how a transaction ended. */
const CAP_PX = 5;
/** A hold at least this wide has its length written on it. */
const LABELLED_HOLD_PX = 140;

/** One transaction: open (collecting values), then pre-committed (flushed, waiting), then how it ended. */
function TxnBar({
  span,
  lane,
  kafka,
  x,
  nowMs,
}: {
  span: TxnSpan;
  lane: number;
  kafka: boolean;
  x: Scale;
  nowMs: number;
}) {
  const y = lane * LANE_PX + 5;
  const start = x(span.startMs);
  const flushed = span.flushedMs === null ? null : x(span.flushedMs);
  const end = Math.max(x(span.endMs ?? nowMs), start + 2);
  const ended = span.outcome === 'committed' || span.outcome === 'aborted' || span.outcome === 'expired';
  const outcome = span.outcome === 'expired' && kafka ? 'timed out' : span.outcome;
  const title = `transaction ${txnName(span)} (store id ${span.txnId}): ${outcome}, ${span.events} values, ${span.startMs}–${span.endMs ?? '…'} ms`;
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

/** Where a partition's read_committed readers were held: a band on its row, labelled. */
function HoldBar({ hold, lane, x }: { hold: LsoHold; lane: number; x: Scale }) {
  const start = x(hold.fromMs);
  const end = Math.max(x(hold.toMs), start + 2);
  const y = lane * LANE_PX + 5;
  return (
    <g className="lso-band">
      <title>{holdText(hold)}</title>
      <rect x={start} y={y} width={end - start} height={BAR_PX} fill="var(--lso)" opacity={0.35} />
      {/* Its length in the middle of the band, clear of the lane's name; a band too narrow keeps it in its tooltip. */}
      {end - start > LABELLED_HOLD_PX && (
        <text x={(start + end) / 2} y={y + 11} textAnchor="middle" className="band-label">
          {holdLabel(hold)}
        </text>
      )}
    </g>
  );
}

export const TransactionTimeline = memo(function TransactionTimeline() {
  const { events, nowMs, parallelism, mode, partitions } = useStore(
    useShallow((s) => ({
      events: selectEvents(s),
      nowMs: selectNowMs(s),
      parallelism: s.scenario?.sink.parallelism ?? 2,
      mode: s.scenario?.mode ?? null,
      partitions: s.scenario?.system === 'kafka' ? s.scenario.kafka.partitions : null,
    })),
  );
  const kafka = partitions !== null;
  const spans = useMemo(() => txnSpans(events).slice(-MAX_SPANS), [events]);
  const holds = useMemo(() => (kafka ? lsoHolds(events) : []), [events, kafka]);
  const lanes = useMemo(() => txnLanes(parallelism, partitions), [parallelism, partitions]);
  const index = useMemo(() => laneIndex(lanes), [lanes]);
  const lanesPx = lanes.length * LANE_PX + 4;
  return (
    <section className="panel" aria-labelledby="txn-title">
      <div className="panel-head">
        <h2 id="txn-title">{kafka ? 'Transactions per partition' : 'Transactions per sink subtask'}</h2>
        <Legend
          items={[
            ['open', COLORS.open],
            ['pre-committed', COLORS.precommitted],
            ['committed', COLORS.committed],
            ['aborted', COLORS.aborted],
            [kafka ? 'timed out' : 'lease expired', COLORS.expired],
            ...(kafka
              ? ([['readers held at the last stable offset', 'var(--lso)']] as [string, string][])
              : []),
          ]}
        />
      </div>
      <p className="hint">
        {mode !== null && mode !== 'EXACTLY_ONCE'
          ? 'This writer mode uses plain writes: no transactions. Switch exactly-once on to see them.'
          : kafka
            ? "One Kafka transaction per subtask per checkpoint, on its subtask's partition: open while it collects values, pre-committed once flushed at the barrier, then committed when the checkpoint completes (or aborted, or timed out). While one is open, read_committed readers of its partition stop at its first record, the last stable offset: committed values behind it wait (the shaded rows)."
            : 'One Pravega transaction per subtask per checkpoint: open while it collects values, pre-committed once flushed at the barrier, then committed when the checkpoint completes (or aborted, or expired).'}
      </p>
      {holds.length > 0 && (
        <ul className="lso-holds" aria-label="Readers held at the last stable offset">
          {holds.map((h) => (
            <li key={`${h.partition}-${h.toMs}`}>{holdText(h)}</li>
          ))}
        </ul>
      )}
      <TimelineFrame label={`${spans.length} transactions`} lanesPx={lanesPx}>
        {(x, visible) => (
          <>
            {spans.map((s) =>
              visible(s.startMs, s.endMs ?? nowMs) && index.subtask.has(s.subtask) ? (
                <TxnBar
                  key={s.txnId}
                  span={s}
                  lane={index.subtask.get(s.subtask)!}
                  kafka={kafka}
                  x={x}
                  nowMs={nowMs}
                />
              ) : null,
            )}
            {holds.map((h) =>
              visible(h.fromMs, h.toMs) && index.lso.has(h.partition) ? (
                <HoldBar key={`${h.partition}-${h.toMs}`} hold={h} lane={index.lso.get(h.partition)!} x={x} />
              ) : null,
            )}
            {/* The lanes' names over their bars, outlined so a bar under them does not hide them. */}
            {lanes.map((lane, i) => (
              <text key={lane.label} x={4} y={i * LANE_PX + 16} className="lane-label">
                {lane.label}
              </text>
            ))}
          </>
        )}
      </TimelineFrame>
    </section>
  );
});
