import type { ReactNode } from 'react';
import type { BaseTickContentProps } from 'recharts';
import { formatCount, formatTick } from './axis';

/**
 * `interval: 0` shows every tick the axis computes (about five, never crowded), so Recharts does not
 * measure tick labels in the DOM on every update to thin them out.
 */
export const axisProps = {
  stroke: 'var(--muted)',
  interval: 0,
} as const;

type TickProps = Pick<BaseTickContentProps, 'x' | 'y' | 'payload'>;

/*
 * Tick labels as plain SVG text: Recharts' own Text measures every word in the DOM on every update
 * to wrap it, which a number never needs.
 */
/** Time ticks for an axis `spanMs` wide: milliseconds, or seconds on a long axis. */
const timeTicks = new Map<boolean, (props: TickProps) => ReactNode>();
export function timeTickFor(spanMs: number): (props: TickProps) => ReactNode {
  const seconds = spanMs >= 10_000;
  let tick = timeTicks.get(seconds);
  if (tick === undefined) {
    tick = ({ x, y, payload }: TickProps) => (
      <text x={x} y={Number(y) + 12} textAnchor="middle" className="tick">
        {formatTick(Number(payload.value), seconds ? 10_000 : 0)}
      </text>
    );
    timeTicks.set(seconds, tick);
  }
  return tick;
}

export function CountTick({ x, y, payload }: TickProps) {
  return (
    <text x={Number(x) - 4} y={Number(y) + 4} textAnchor="end" className="tick">
      {formatCount(Number(payload.value))}
    </text>
  );
}
