import { msText } from '@eolab/engine';
import { type KeyboardEvent, useLayoutEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { highlight } from '../actions/controls';
import { loadEarlier } from '../actions/narration';
import { selectNarration } from '../state/narration';
import { useStore } from '../state/store';

/** How close to the bottom (px) still counts as reading the newest sentence. */
const AT_BOTTOM_PX = 8;

/**
 * The run's story, from the server's narration of every event. It follows the newest sentence
 * while the person reads at the bottom; scrolled back, it stays where they are and offers a way
 * back. When the browser holds only the newest part of a long story, it says so and pages back.
 */
export function Narration() {
  const { narration, highlightMs, runId, canPage } = useStore(
    useShallow((s) => ({
      narration: selectNarration(s),
      highlightMs: s.highlightMs,
      runId: s.runId,
      canPage: s.narration !== null,
    })),
  );
  const { sentences, from, total } = narration;
  const list = useRef<HTMLOListElement>(null);
  // Whether the person reads the newest sentence: then each new one is scrolled into view.
  const following = useRef(true);
  const [behind, setBehind] = useState(false);
  // The list's height before earlier sentences were put on top, to keep the same ones in view.
  const heightBeforePrepend = useRef<number | null>(null);
  const [loading, setLoading] = useState(false);
  // The run the list shows: another run on screen starts at its newest sentence again.
  const shownRun = useRef(runId);
  // The list's height when it was last laid out here, before the sentences just added.
  const heightBefore = useRef<number | null>(null);

  // After each change of the list (new sentences, earlier ones put on top, another run).
  useLayoutEffect(() => {
    const el = list.current;
    if (shownRun.current !== runId) {
      shownRun.current = runId;
      following.current = true;
      heightBefore.current = null;
      setBehind(false);
    }
    if (el === null || sentences.length === 0) return;
    const before = heightBefore.current;
    heightBefore.current = el.scrollHeight;
    if (heightBeforePrepend.current !== null) {
      el.scrollTop += el.scrollHeight - heightBeforePrepend.current;
      heightBeforePrepend.current = null;
      return;
    }
    // A scroll event arrives a frame after the scroll: a sentence landing in between must not pull
    // back a reader who just scrolled away. Where the list stood, against its height before the new
    // sentences, says whether they were reading the newest one.
    const bottomBefore = before === null ? null : Math.min(before, el.scrollHeight);
    if (bottomBefore !== null && bottomBefore - el.scrollTop - el.clientHeight > AT_BOTTOM_PX)
      following.current = false;
    if (following.current) el.scrollTop = el.scrollHeight;
    else setBehind(true);
  }, [sentences, runId]);

  const onScroll = () => {
    const el = list.current;
    if (el === null) return;
    following.current = el.scrollHeight - el.scrollTop - el.clientHeight <= AT_BOTTOM_PX;
    if (following.current) setBehind(false);
  };

  const toNewest = () => {
    const el = list.current;
    following.current = true;
    setBehind(false);
    if (el !== null) el.scrollTop = el.scrollHeight;
  };

  const earlier = () => {
    if (runId === null) return;
    setLoading(true);
    heightBeforePrepend.current = list.current?.scrollHeight ?? null;
    loadEarlier()
      .catch(() => {
        heightBeforePrepend.current = null;
      })
      .finally(() => setLoading(false));
  };

  // One tab stop for the whole story (roving focus): the arrows, Home and End move along it.
  const [focusIndex, setFocusIndex] = useState(0);
  const focused = Math.min(focusIndex, Math.max(0, sentences.length - 1));
  const onKeyDown = (e: KeyboardEvent<HTMLOListElement>) => {
    const moves: Record<string, number> = {
      ArrowDown: focused + 1,
      ArrowUp: focused - 1,
      Home: 0,
      End: sentences.length - 1,
    };
    const next = moves[e.key];
    if (next === undefined || sentences.length === 0) return;
    e.preventDefault();
    const index = Math.min(Math.max(next, 0), sentences.length - 1);
    setFocusIndex(index);
    e.currentTarget.querySelectorAll<HTMLButtonElement>('button.sentence')[index]?.focus();
  };
  const partial = from > 0 || sentences.length < total;
  return (
    <section className="panel narration" aria-labelledby="narration-title">
      <h2 id="narration-title">What happened</h2>
      <p className="hint">
        Click a sentence to mark its moment on every chart (keyboard: ↑ ↓ to move, Enter to mark).
      </p>
      {partial && (
        <p className="narration-page" data-testid="narration-count">
          Showing {sentences.length.toLocaleString('en')} of {total.toLocaleString('en')} sentences
          {canPage && from > 0 && (
            <>
              {' '}
              <button type="button" className="link" onClick={earlier} disabled={loading}>
                {loading ? 'Loading…' : 'Show earlier'}
              </button>
            </>
          )}
        </p>
      )}
      <ol className="sentences" aria-label="Narration" onKeyDown={onKeyDown} onScroll={onScroll} ref={list}>
        {sentences.map((s, i) => (
          <li key={`${from + i}:${s.t}`}>
            <button
              type="button"
              tabIndex={i === focused ? 0 : -1}
              className={`sentence ${s.kind} ${highlightMs === s.t ? 'selected' : ''}`}
              aria-pressed={highlightMs === s.t}
              onFocus={() => setFocusIndex(i)}
              onClick={() => highlight(highlightMs === s.t ? null : s.t)}
            >
              <span className="time">{msText(s.t)}</span> {s.text}
            </button>
          </li>
        ))}
      </ol>
      {behind && (
        <button type="button" className="narration-newest" onClick={toNewest}>
          ↓ Newest sentence
        </button>
      )}
    </section>
  );
}
