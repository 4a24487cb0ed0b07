import { memo, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { checkpointSpans } from '../explain/spans';
import { selectEvents, selectNowMs } from '../state/scrub';
import { useStore } from '../state/store';
import { COLORS, Legend, MAX_SPANS, TimelineFrame } from './timeline-frame';

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
