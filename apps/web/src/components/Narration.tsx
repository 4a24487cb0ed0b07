import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { highlight } from '../actions';
import { narrate, type Sentence } from '../narrate';
import { useStore } from '../store';

const RECENT_SENTENCES = 120;

/** The recent sentences, plus every failure, fault and restore: the story must survive long runs. */
function keep(sentences: Sentence[]): Sentence[] {
  const cut = sentences.length - RECENT_SENTENCES;
  return sentences.filter(
    (s, i) => i >= cut || s.kind === 'bad' || s.kind === 'fault' || s.text.startsWith('Restored'),
  );
}

export function Narration() {
  const { events, mode, highlightMs } = useStore(
    useShallow((s) => ({ events: s.events, mode: s.scenario?.mode ?? null, highlightMs: s.highlightMs })),
  );
  const sentences = useMemo(() => keep(narrate(events, mode)), [events, mode]);
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
