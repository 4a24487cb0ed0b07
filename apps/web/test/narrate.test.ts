import type { NarrationPage } from '@eolab/protocol';
import { describe, expect, it } from 'vitest';
import {
  MAX_HELD_SENTENCES,
  mergeNarration,
  prependNarration,
  selectNarration,
} from '../src/state/narration';
import { emptyRun } from '../src/state/run';
import { type State, useStore } from '../src/state/store';
import { runPreset } from './sim';

const sentence = (i: number) => ({ t: i, kind: 'info' as const, text: `s${i}` });
const page = (
  from: number,
  to: number,
  total = to,
  pending: NarrationPage['pending'] = [],
): NarrationPage => ({
  from,
  sentences: Array.from({ length: to - from }, (_, i) => sentence(from + i)),
  total,
  pending,
});

describe('the narration the browser holds', () => {
  it('appends what each delta told since, once, and replaces the pending sentences', () => {
    let held = mergeNarration(null, page(0, 5));
    held = mergeNarration(held, page(3, 8, 8, [sentence(99)]));
    expect(held.sentences.map((s) => s.t)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(held.pending).toEqual([sentence(99)]);
    held = mergeNarration(held, page(8, 9));
    expect(held.pending).toEqual([]);
    expect(held.total).toBe(9);
  });

  it('after a missed delta keeps the newest and knows how many came before; paging back fills them in', () => {
    const held = mergeNarration(mergeNarration(null, page(0, 3)), page(10, 12));
    expect(held).toMatchObject({ from: 10, total: 12 });
    const filled = prependNarration(held, page(5, 10, 12));
    expect(filled.from).toBe(5);
    expect(filled.sentences.map((s) => s.t)).toEqual([5, 6, 7, 8, 9, 10, 11]);
  });

  it('keeps at most MAX_HELD_SENTENCES as a long run goes on', () => {
    const held = mergeNarration(
      mergeNarration(null, page(0, MAX_HELD_SENTENCES)),
      page(MAX_HELD_SENTENCES, MAX_HELD_SENTENCES + 10),
    );
    expect(held.sentences).toHaveLength(MAX_HELD_SENTENCES);
    expect(held.from).toBe(10);
  });

  it('scrubbed back, shows the story up to the time on screen', () => {
    const state = {
      ...useStore.getState(),
      ...emptyRun,
      narration: { ...page(0, 10), pending: [sentence(10)] },
      scrubMs: 4,
    } as State;
    expect(selectNarration(state).sentences.map((s) => s.t)).toEqual([0, 1, 2, 3, 4]);
    expect(selectNarration({ ...state, scrubMs: null }).sentences).toHaveLength(11);
  });

  it('from an older server (no narration), tells the events it holds with the engine’s narrator', () => {
    const { events } = runPreset('seed', 'ATLEAST_ONCE');
    const scenario = { mode: 'ATLEAST_ONCE', sink: { parallelism: 2 } } as State['scenario'];
    const state = { ...useStore.getState(), ...emptyRun, scenario, events, scrubMs: null } as State;
    const texts = selectNarration(state).sentences.map((s) => s.text);
    expect(texts).toContainEqual(
      expect.stringMatching(
        /^The mapper throws at element 26 \(value 25\); the job fails over\. Values 17–24 were already written/,
      ),
    );
    expect(texts).toContain(
      'Checker: 8 values read a second time, at 115–122 ms (17, 18, 19, 20, 21, 22, 23, 24).',
    );
  });
});
