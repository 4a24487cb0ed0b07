import { narrate, type Scenario, type Sentence, type SimEvent } from '@eolab/engine';
import type { NarrationPage, RunBackend } from '@eolab/protocol';

/**
 * The narration the dashboard shows: the server tells the whole run (every event, none thinned),
 * and the browser holds the newest sentences of it plus the pages the person loaded. Deltas append
 * what was told since; a gap (a delta missed) keeps the newest and lets the person page back.
 */

/** Sentences the browser keeps as deltas append (the person may load more by paging back). */
export const MAX_HELD_SENTENCES = 2_000;

/** What the browser holds of a run's narration: told sentences `from`.. of `total`, then the pending ones. */
export interface NarrationView {
  from: number;
  sentences: Sentence[];
  total: number;
  pending: Sentence[];
}

/** A delta's page added to what is held. */
export function mergeNarration(held: NarrationView | null, page: NarrationPage): NarrationView {
  if (held === null) return { ...page };
  const end = held.from + held.sentences.length;
  if (page.from > end) return { ...page };
  const fresh = page.sentences.slice(end - page.from);
  let sentences = fresh.length === 0 ? held.sentences : [...held.sentences, ...fresh];
  let from = held.from;
  if (sentences.length > MAX_HELD_SENTENCES) {
    from += sentences.length - MAX_HELD_SENTENCES;
    sentences = sentences.slice(-MAX_HELD_SENTENCES);
  }
  return { from, sentences, total: Math.max(held.total, page.total), pending: page.pending };
}

/** An earlier page the person loaded, put before what is held. */
export function prependNarration(held: NarrationView, page: NarrationPage): NarrationView {
  const before = page.sentences.slice(0, Math.max(0, held.from - page.from));
  return { ...held, from: held.from - before.length, sentences: [...before, ...held.sentences] };
}

/** The story on screen: the server's narration, or (from an older server) what the held events tell. */
export interface ShownNarration {
  sentences: Sentence[];
  /** Number of the first sentence shown, and how many the whole run has told. */
  from: number;
  total: number;
}

/** What the story on screen is told from (the run slice's fields, and the scrubbed time). */
interface Told {
  narration: NarrationView | null;
  events: SimEvent[];
  scenario: Scenario | null;
  backend: RunBackend | null;
  scrubMs: number | null;
}

let last: {
  narration: NarrationView | null;
  events: SimEvent[];
  scrubMs: number | null;
  out: ShownNarration;
} | null = null;

export function selectNarration(s: Told): ShownNarration {
  if (
    last !== null &&
    last.narration === s.narration &&
    last.events === s.events &&
    last.scrubMs === s.scrubMs
  )
    return last.out;
  const out = shown(s);
  last = { narration: s.narration, events: s.events, scrubMs: s.scrubMs, out };
  return out;
}

function shown(s: Told): ShownNarration {
  const n = s.narration;
  if (n === null) {
    const scenario = s.scenario;
    const told =
      scenario === null
        ? []
        : narrate(s.events, {
            mode: scenario.mode,
            parallelism: scenario.sink.parallelism,
            realTime: s.backend?.kind === 'postgres',
          });
    const sentences = s.scrubMs === null ? told : told.filter((x) => x.t <= s.scrubMs!);
    return { sentences, from: 0, total: sentences.length };
  }
  // Scrubbed back, the story stops at the time on screen; the pending sentences are still to come.
  if (s.scrubMs !== null) {
    const scrub = s.scrubMs;
    const sentences = n.sentences.filter((x) => x.t <= scrub);
    return { sentences, from: n.from, total: n.from + sentences.length };
  }
  return { sentences: [...n.sentences, ...n.pending], from: n.from, total: n.total + n.pending.length };
}
