/**
 * The one virtual-time axis every chart and timeline shares, and the nice numbers its ends and
 * ticks fall on.
 */

/** Pixels left of the plot area (the y axis and its labels) and right of it, in every chart and timeline. */
export const PLOT_LEFT_PX = 64;
export const PLOT_RIGHT_PX = 28;

const NICE_ENDS = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];
const NICE_STEPS = [1, 2, 5, 10];

const magnitudeOf = (v: number) => 10 ** Math.floor(Math.log10(v));

/** The next nice number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten) at or above v. */
export function niceCeil(v: number): number {
  if (v <= 1) return 1;
  const magnitude = magnitudeOf(v);
  return (NICE_ENDS.find((s) => s * magnitude >= v) ?? 10) * magnitude;
}

/** Ticks at 0 and every multiple of a 1-2-5 step up to `end`, about `count` of them. */
export function niceTicks(end: number, count = 5): number[] {
  if (end <= 0) return [0];
  const raw = end / count;
  const magnitude = magnitudeOf(Math.max(raw, 1));
  const step = Math.max(1, (NICE_STEPS.find((s) => s * magnitude >= raw) ?? 10) * magnitude);
  const ticks: number[] = [];
  for (let v = 0; v <= end; v += step) ticks.push(v);
  return ticks;
}

/** Ticks on the 1-2-5 steps that fall inside a zoomed window [from, to], about `count` of them. */
export function niceTicksBetween(from: number, to: number, count = 5): number[] {
  if (from <= 0) return niceTicks(to, count).filter((t) => t <= to);
  const raw = (to - from) / count;
  const magnitude = magnitudeOf(Math.max(raw, 1));
  const step = Math.max(1, (NICE_STEPS.find((s) => s * magnitude >= raw) ?? 10) * magnitude);
  const ticks: number[] = [];
  for (let v = Math.ceil(from / step) * step; v <= to; v += step) ticks.push(v);
  return ticks;
}

/**
 * The end of the time axis. While a run streams it is rounded up to a nice value, so the axis (and
 * its ticks) stays put between flushes and the lines grow into it; a run that is over ends where
 * it ended.
 */
export function axisEndMs(nowMs: number, live: boolean): number {
  if (nowMs <= 1) return 1;
  return live ? niceCeil(nowMs) : nowMs;
}

/** A time tick: milliseconds on a short axis, seconds on one of 10 s or more. */
export function formatTick(v: number, endMs: number): string {
  return endMs >= 10_000 ? `${Number((v / 1000).toFixed(2))} s` : `${v} ms`;
}

/** Large counts on a y axis: 25000 → 25k. */
export function formatCount(v: number): string {
  if (v >= 1_000_000) return `${Number((v / 1_000_000).toFixed(2))}M`;
  if (v >= 10_000) return `${Number((v / 1000).toFixed(1))}k`;
  return `${v}`;
}
