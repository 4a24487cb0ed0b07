import { isLive } from '../state/run';
import { useStore } from '../state/store';
import { useView } from '../state/view';
import { axisEndMs, PLOT_LEFT_PX, PLOT_RIGHT_PX } from './axis';

/** The axis end every chart and timeline shares. */
export const useAxisEndMs = (): number => useStore((s) => axisEndMs(s.nowMs, isLive(s.run?.state)));

/** The window of virtual time every chart and timeline shows: the zoom, or the whole axis. */
export function useTimeDomain(): readonly [number, number] {
  const endMs = useAxisEndMs();
  const zoom = useView((v) => v.zoom);
  return zoom ?? [0, endMs];
}

/** Where a virtual time falls across a panel `widthPx` wide, its plot area placed as in every chart. */
export function timeToPx(t: number, widthPx: number, [from, to]: readonly [number, number]): number {
  const span = Math.max(1, widthPx - PLOT_LEFT_PX - PLOT_RIGHT_PX);
  const clamped = Math.min(Math.max(t, from), to);
  return PLOT_LEFT_PX + (span * (clamped - from)) / Math.max(1, to - from);
}

/** The virtual time under a pixel of such a panel, or null outside its plot area. */
export function pxToTime(px: number, widthPx: number, [from, to]: readonly [number, number]): number | null {
  const span = widthPx - PLOT_LEFT_PX - PLOT_RIGHT_PX;
  if (span <= 0 || px < PLOT_LEFT_PX || px > PLOT_LEFT_PX + span) return null;
  return Math.round(from + ((px - PLOT_LEFT_PX) / span) * (to - from));
}

/** The virtual time under a pixel, a pixel outside the plot area counting as its nearest edge. */
export function pxToTimeClamped(px: number, widthPx: number, domain: readonly [number, number]): number {
  const right = widthPx - PLOT_RIGHT_PX;
  return pxToTime(Math.min(Math.max(px, PLOT_LEFT_PX), right), widthPx, domain) ?? domain[0];
}
