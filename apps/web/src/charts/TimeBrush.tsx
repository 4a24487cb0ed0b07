import { type PointerEvent, type ReactNode, useRef, useState } from 'react';
import { resetZoom, setCursor, useView, zoomTo } from '../state/view';
import { pxToTime, pxToTimeClamped, timeToPx, useTimeDomain } from './time-domain';

/** A drag shorter than this is a click, not a zoom. */
const MIN_DRAG_PX = 5;

/**
 * Around a chart or a timeline: the pointer's virtual time becomes the cursor every panel draws,
 * a drag across the plot zooms every panel to that window, a double click shows the whole run.
 */
export function TimeBrush({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const domain = useTimeDomain();
  const [drag, setDrag] = useState<{ fromPx: number; toPx: number } | null>(null);
  const pxOf = (e: PointerEvent) => e.clientX - (ref.current?.getBoundingClientRect().left ?? 0);
  const widthPx = () => ref.current?.getBoundingClientRect().width ?? 0;

  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    if (e.button !== 0 || pxToTime(pxOf(e), widthPx(), domain) === null) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    setDrag({ fromPx: pxOf(e), toPx: pxOf(e) });
  };
  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    setCursor(pxToTime(pxOf(e), widthPx(), domain));
    if (drag !== null) setDrag({ ...drag, toPx: pxOf(e) });
  };
  const onPointerUp = (e: PointerEvent<HTMLDivElement>) => {
    if (drag === null) return;
    setDrag(null);
    if (Math.abs(pxOf(e) - drag.fromPx) < MIN_DRAG_PX) return;
    const width = widthPx();
    zoomTo(pxToTimeClamped(drag.fromPx, width, domain), pxToTimeClamped(pxOf(e), width, domain));
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a pointer shortcut; the zoom bar's fields do the same from the keyboard
    <div
      ref={ref}
      className="time-brush"
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={() => setDrag(null)}
      onPointerLeave={() => setCursor(null)}
      onDoubleClick={resetZoom}
    >
      {children}
      <CursorLine domain={domain} width={() => widthPx()} />
      {drag !== null && (
        <div
          className="brush-selection"
          style={{ left: Math.min(drag.fromPx, drag.toPx), width: Math.abs(drag.toPx - drag.fromPx) }}
        />
      )}
    </div>
  );
}

/** The cursor: one thin line at the same virtual time in every panel. */
function CursorLine({ domain, width }: { domain: readonly [number, number]; width: () => number }) {
  const cursorMs = useView((v) => v.cursorMs);
  if (cursorMs === null) return null;
  return (
    <div
      className="time-cursor"
      data-testid="time-cursor"
      style={{ left: timeToPx(cursorMs, width(), domain) }}
    />
  );
}
