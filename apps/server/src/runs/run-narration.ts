import { Narrator, narrate, type Scenario, type Sentence, type SimEvent } from '@eolab/engine';
import { NARRATION_PAGE, type NarrationPage } from '@eolab/protocol';

/** A run's narrator: fed every event of the run, so its story is the whole run's. */
export function narratorFor(scenario: Scenario, realTime: boolean): Narrator {
  return new Narrator({ mode: scenario.mode, parallelism: scenario.sink.parallelism, realTime });
}

/**
 * A page of told sentences: `limit` from `from`, or the newest `limit` when `from` is undefined
 * (what a snapshot shows). A `from` past the end gives an empty page that still says the total.
 */
export function pageOf(
  told: readonly Sentence[],
  pending: Sentence[],
  from: number | undefined,
  limit: number = NARRATION_PAGE,
): NarrationPage {
  const start = Math.min(told.length, from ?? Math.max(0, told.length - limit));
  return { from: start, sentences: told.slice(start, start + limit), total: told.length, pending };
}

/**
 * A stored run's narration: the one stored with it, or for a run stored before narrations were
 * (an older database), what its stored event window tells.
 */
export function storedNarration(
  narration: Sentence[] | undefined,
  scenario: Scenario,
  events: readonly SimEvent[],
  realTime: boolean,
): Sentence[] {
  if (narration !== undefined) return narration;
  return narrate(events, { mode: scenario.mode, parallelism: scenario.sink.parallelism, realTime });
}
