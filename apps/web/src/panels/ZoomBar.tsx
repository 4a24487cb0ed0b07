import { useState } from 'react';
import { useAxisEndMs } from '../charts/time-domain';
import { resetZoom, useView, zoomTo } from '../state/view';

const fmt = (v: number) => v.toLocaleString('en');

/** A field of the window: typed freely, applied on Enter or when it loses the focus. */
function Bound({ label, value, onApply }: { label: string; value: number; onApply: (v: number) => void }) {
  const [text, setText] = useState<string | null>(null);
  const apply = () => {
    if (text === null) return;
    const v = Number(text);
    setText(null);
    if (text.trim() !== '' && Number.isFinite(v) && v >= 0) onApply(v);
  };
  return (
    <label className="zoom-field">
      <span>{label}</span>
      <input
        type="number"
        min={0}
        value={text ?? value}
        onChange={(e) => setText(e.target.value)}
        onBlur={apply}
        onKeyDown={(e) => {
          if (e.key === 'Enter') apply();
        }}
      />
    </label>
  );
}

/**
 * The time window every chart and timeline shows, said in words and set from the keyboard. Drag
 * across any chart or timeline to zoom; a double click, or Reset, shows the whole run again.
 */
export function ZoomBar() {
  const zoom = useView((v) => v.zoom);
  const cursorMs = useView((v) => v.cursorMs);
  const endMs = useAxisEndMs();
  const [from, to] = zoom ?? [0, endMs];
  return (
    <fieldset className="zoom-bar" aria-label="Time window">
      <span aria-live="polite">{zoom === null ? 'Whole run' : `Zoomed to ${fmt(from)}–${fmt(to)} ms`}</span>
      <Bound label="From (ms)" value={from} onApply={(v) => zoomTo(v, to)} />
      <Bound label="To (ms)" value={to} onApply={(v) => zoomTo(from, v)} />
      <button type="button" className="small" onClick={resetZoom} disabled={zoom === null}>
        Reset zoom
      </button>
      <span className="hint">
        {cursorMs === null
          ? 'Drag across a chart to zoom; double-click to reset.'
          : `cursor at ${fmt(cursorMs)} ms`}
      </span>
    </fieldset>
  );
}
