import { presetScenario } from '@eolab/engine';
import type { RunSummary } from '@eolab/protocol';
import { describe, expect, it } from 'vitest';
import { type ComparedRun, noComparison, openedComparison, waiting } from '../src/state/compare';
import { createControlsSlice, following, knobsOf, withPreset } from '../src/state/controls';
import { withLeftLive, withLiveSummary, withOnScreen } from '../src/state/live-runs';

/** The slices' next-state functions are pure: no store, no server, answers from arguments alone. */

const summary = (id: string, state: RunSummary['state']): RunSummary => ({
  id,
  name: 'seed',
  mode: 'ATLEAST_ONCE',
  state,
  verdict: null,
  numEvents: 50,
  faultCount: 0,
  createdAt: '2026-01-01T00:00:00Z',
  finishedAt: null,
  replayOf: null,
});

describe('the controls slice', () => {
  it('a preset brings its knobs in the mode already chosen; an unknown id changes nothing', () => {
    const controls = { ...createControlsSlice(), mode: 'EXACTLY_ONCE' as const };
    expect(withPreset(controls, 'live-demo')).toEqual({
      presetId: 'live-demo',
      baseScenario: null,
      knobs: knobsOf(presetScenario('live-demo', 'EXACTLY_ONCE')!),
    });
    expect(withPreset(controls, 'no-such-preset')).toEqual({});
  });

  it('a run put on screen is followed: its preset when a preset gives it, else its own scenario', () => {
    const controls = createControlsSlice();
    const seed = presetScenario('seed', 'EXACTLY_ONCE')!;
    expect(following(controls, seed, '100x')).toMatchObject({
      presetId: 'seed',
      baseScenario: null,
      mode: 'EXACTLY_ONCE',
      speed: '100x',
    });
    const own = { ...seed, name: 'my-scenario', seed: 7 };
    expect(following(controls, own, null)).toMatchObject({ presetId: 'seed', baseScenario: own });
    expect(following(controls, own, null)).not.toHaveProperty('speed');
  });
});

describe('the live-runs slice', () => {
  it('a live run leaving the screen is listed until it ends or comes back', () => {
    let s = withLeftLive({ liveElsewhere: [] }, summary('a', 'running'));
    s = withLeftLive(s, summary('b', 'finished'));
    expect(s.liveElsewhere.map((r) => r.id)).toEqual(['a']);
    expect(withLiveSummary(s, summary('a', 'paused')).liveElsewhere[0]?.state).toBe('paused');
    expect(withLiveSummary(s, summary('a', 'stopped')).liveElsewhere).toEqual([]);
    expect(withOnScreen(s, 'a').liveElsewhere).toEqual([]);
  });
});

describe('the compare slice', () => {
  const run = (mode: ComparedRun['mode'], id: string, backend: ComparedRun['backend'] = 'simulated') =>
    waiting(mode, id, backend);

  it('runs of one scenario in several modes read in the modes’ order', () => {
    const opened = openedComparison(
      noComparison,
      ['x', 'y'],
      [run('EXACTLY_ONCE', 'x'), run('BEST_EFFORT', 'y')],
    );
    expect(opened).toMatchObject({ kind: 'modes', baseRunId: 'x' });
    expect(opened.runs.map((r) => r.runId)).toEqual(['y', 'x']);
  });

  it('the model and the real run side by side, the model first', () => {
    const opened = openedComparison(
      noComparison,
      ['real', 'model'],
      [run('ATLEAST_ONCE', 'real', 'postgres'), run('ATLEAST_ONCE', 'model')],
    );
    expect(opened.kind).toBe('backends');
    expect(opened.runs.map((r) => r.runId)).toEqual(['model', 'real']);
  });

  it('two runs of one mode are runs picked by hand, kept in the order picked', () => {
    const opened = openedComparison(
      noComparison,
      ['b', 'a'],
      [run('ATLEAST_ONCE', 'b'), run('ATLEAST_ONCE', 'a')],
    );
    expect(opened.kind).toBe('picked');
    expect(opened.runs.map((r) => r.runId)).toEqual(['b', 'a']);
  });
});
