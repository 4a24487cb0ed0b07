import type { Scenario } from '@eolab/engine';
import type { CheckpointCounts, CheckpointFact, CheckpointLatest, DurationSummary } from '@eolab/protocol';

/**
 * Flink's Checkpoints tab in words: the Counts block, the Latest block, the configuration and the
 * duration percentiles, from the server's record of every checkpoint and from the scenario.
 */

const N = new Intl.NumberFormat('en');
const ms = (v: number) => `${N.format(v)} ms`;

/** Flink's five counts. Failed is every checkpoint that did not complete, as Flink counts them. */
export function countItems(c: CheckpointCounts): { label: string; value: number; note: string | null }[] {
  return [
    { label: 'triggered', value: c.triggered, note: null },
    { label: 'in progress', value: c.inProgress, note: null },
    { label: 'completed', value: c.completed, note: null },
    {
      label: 'failed',
      value: c.aborted,
      note:
        c.aborted === 0
          ? null
          : `${N.format(c.failed)} declined or expired (they count against tolerable failures)`,
    },
    { label: 'restored', value: c.restores, note: null },
  ];
}

function checkpointLine(c: CheckpointFact): string {
  const when = c.endedMs === null ? '' : ` at ${ms(c.endedMs)}`;
  const took = c.durationMs === null ? '' : `, took ${ms(c.durationMs)}`;
  const why = c.reason === null ? '' : ` (${c.reason})`;
  return `checkpoint ${c.id} ${c.status}${why}${when}${took}`;
}

/** The Latest block's three lines. */
export function latestItems(
  latest: CheckpointLatest,
): { label: string; text: string; checkpoint: number | null; atMs: number | null }[] {
  const r = latest.restore;
  return [
    {
      label: 'Latest completed',
      text: latest.completed === null ? 'none yet' : checkpointLine(latest.completed),
      checkpoint: latest.completed?.id ?? null,
      atMs: latest.completed?.endedMs ?? null,
    },
    {
      label: 'Latest failed',
      text: latest.failed === null ? 'none' : checkpointLine(latest.failed),
      checkpoint: latest.failed?.id ?? null,
      atMs: latest.failed?.endedMs ?? null,
    },
    {
      label: 'Latest restore',
      text: r === null ? 'none' : `attempt ${r.attempt} from checkpoint ${r.checkpointId} at ${ms(r.atMs)}`,
      checkpoint: r?.checkpointId ?? null,
      atMs: r?.atMs ?? null,
    },
  ];
}

/** The checkpoint configuration, as Flink's Configuration tab lists it, with the sink's and the job's knobs beside it. */
export function configItems(s: Scenario): [string, string][] {
  const { attempts, delayMs, heartbeatTimeoutMs } = s.restart;
  const items: [string, string][] = [
    // The sample never sets the checkpointing mode: Flink's default, barriers aligned.
    ['Checkpointing mode', 'EXACTLY_ONCE (Flink’s default, aligned barriers)'],
    ['Sink writer mode', s.mode],
    ['Interval', ms(s.checkpoint.intervalMs)],
    ['Timeout', ms(s.checkpoint.timeoutMs)],
    ['Tolerable failed checkpoints', N.format(s.checkpoint.tolerableFailures)],
    [
      'Restart strategy',
      `fixed delay: ${N.format(attempts)} ${attempts === 1 ? 'attempt' : 'attempts'}, ${ms(delayMs)} apart`,
    ],
    ['Heartbeat timeout', ms(heartbeatTimeoutMs)],
  ];
  if (s.mode === 'EXACTLY_ONCE') items.splice(5, 0, ['Transaction lease', ms(s.sink.txnLeaseMs)]);
  return items;
}

/** The durations' line: min, the percentiles when the server computed them, avg and max. */
export function durationText(
  d: (Omit<DurationSummary, 'p50' | 'p90' | 'p99'> & Partial<DurationSummary>) | null,
): string {
  if (d === null) return 'No checkpoint completed yet.';
  const percentiles =
    d.p50 === undefined ? '' : ` · p50 ${ms(d.p50)} · p90 ${ms(d.p90 ?? 0)} · p99 ${ms(d.p99 ?? 0)}`;
  return `End-to-end duration of ${N.format(d.count)} completed: min ${ms(d.min)}${percentiles} · avg ${ms(d.avg)} · max ${ms(d.max)}.`;
}
