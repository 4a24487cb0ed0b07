import { type KeyboardEvent, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { narrate, type Sentence } from '../explain/narrate';
import { highlight } from '../state/actions';
import { selectEvents } from '../state/scrub';
import { useStore } from '../state/store';

const RECENT_SENTENCES = 120;

/** The recent sentences, plus every failure, fault and restore: the story must survive long runs. */
function keep(sentences: Sentence[]): Sentence[] {
  const cut = sentences.length - RECENT_SENTENCES;
  return sentences.filter(
    (s, i) => i >= cut || s.kind === 'bad' || s.kind === 'fault' || s.text.startsWith('Restored'),
  );
}

/** Keys from what a sentence says and when, so older sentences keep theirs as the story grows. */
function withKeys(sentences: Sentence[]): (Sentence & { key: string })[] {
  const seen = new Map<string, number>();
  return sentences.map((s) => {
    const base = `${s.t}-${s.text}`;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return { ...s, key: n === 0 ? base : `${base}-${n}` };
  });
}

export function Narration() {
  const { events, mode, highlightMs } = useStore(
    useShallow((s) => ({
      events: selectEvents(s),
      mode: s.scenario?.mode ?? null,
      highlightMs: s.highlightMs,
    })),
  );
  const sentences = useMemo(() => withKeys(keep(narrate(events, mode))), [events, mode]);
  // One tab stop for the whole story (roving focus): the arrows, Home and End move along it.
  const [focusKey, setFocusKey] = useState<string | null>(null);
  const focusIndex = Math.max(
    0,
    sentences.findIndex((s) => s.key === focusKey),
  );
  const onKeyDown = (e: KeyboardEvent<HTMLOListElement>) => {
    const moves: Record<string, number> = {
      ArrowDown: focusIndex + 1,
      ArrowUp: focusIndex - 1,
      Home: 0,
      End: sentences.length - 1,
    };
    const next = moves[e.key];
    if (next === undefined || sentences.length === 0) return;
    e.preventDefault();
    const index = Math.min(Math.max(next, 0), sentences.length - 1);
    setFocusKey(sentences[index]!.key);
    e.currentTarget.querySelectorAll<HTMLButtonElement>('button.sentence')[index]?.focus();
  };
  return (
    <section className="panel narration" aria-labelledby="narration-title">
      <h2 id="narration-title">What happened</h2>
      <p className="hint">
        Click a sentence to mark its moment on every chart (keyboard: ↑ ↓ to move, Enter to mark).
      </p>
      <ol className="sentences" aria-label="Narration" onKeyDown={onKeyDown}>
        {sentences.map((s, i) => (
          <li key={s.key}>
            <button
              type="button"
              tabIndex={i === focusIndex ? 0 : -1}
              className={`sentence ${s.kind} ${highlightMs === s.t ? 'selected' : ''}`}
              aria-pressed={highlightMs === s.t}
              onFocus={() => setFocusKey(s.key)}
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
