import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { highlight } from '../actions';
import { narrate } from '../narrate';
import { useStore } from '../store';

const MAX_SENTENCES = 300;

export function Narration() {
  const { events, mode, highlightMs } = useStore(
    useShallow((s) => ({ events: s.events, mode: s.scenario?.mode ?? null, highlightMs: s.highlightMs })),
  );
  const sentences = useMemo(() => narrate(events, mode).slice(-MAX_SENTENCES), [events, mode]);
  return (
    <section className="panel narration" aria-labelledby="narration-title">
      <h2 id="narration-title">What happened</h2>
      <p className="hint">Click a sentence to mark its moment on every chart.</p>
      <ol className="sentences">
        {sentences.map((s, i) => (
          <li key={`${s.t}-${i}`}>
            <button
              type="button"
              className={`sentence ${s.kind} ${highlightMs === s.t ? 'selected' : ''}`}
              onClick={() => highlight(highlightMs === s.t ? null : s.t)}
            >
              <span className="time">{s.t} ms</span> {s.text}
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}
