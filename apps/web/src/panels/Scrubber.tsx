import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { scrubTo, stepEvent } from '../actions/controls';
import { useStore } from '../state/store';

/** Replay a finished run: drag to a virtual time, or step through protocol events with [ and ]. */
export function Scrubber() {
  const { finished, scrubMs, nowMs } = useStore(
    useShallow((s) => ({
      finished: s.report !== null || s.scrubMs !== null,
      scrubMs: s.scrubMs,
      nowMs: s.nowMs,
    })),
  );
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLInputElement && e.target.type !== 'range') return;
      if (e.key === '[') stepEvent(-1);
      if (e.key === ']') stepEvent(1);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  // Always laid out, so the page does not jump when a run ends; usable once it has.
  const end = finished ? nowMs : Math.max(nowMs, 1);
  const at = finished ? (scrubMs ?? nowMs) : nowMs;
  return (
    <section className="panel scrubber" aria-labelledby="scrub-title">
      <h2 id="scrub-title">Replay</h2>
      <div className="scrub-row">
        <button
          type="button"
          className="small"
          onClick={() => stepEvent(-1)}
          disabled={!finished}
          aria-label="Previous protocol event"
        >
          ◀ [
        </button>
        <input
          type="range"
          min={0}
          max={end}
          step={1}
          value={at}
          disabled={!finished}
          aria-label="Virtual time"
          aria-valuetext={`${at} ms`}
          onChange={(e) => scrubTo(Number(e.target.value))}
        />
        <button
          type="button"
          className="small"
          onClick={() => stepEvent(1)}
          disabled={!finished}
          aria-label="Next protocol event"
        >
          ] ▶
        </button>
        <output className="scrub-time">
          {at.toLocaleString('en')} / {end.toLocaleString('en')} ms
        </output>
      </div>
      <p className="hint">
        {finished
          ? 'Every chart, the checker and the narration show the run as it was at this virtual time.'
          : 'Once the run has ended, move through it here: every chart, the checker and the narration follow.'}
      </p>
    </section>
  );
}
