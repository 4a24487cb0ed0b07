import { presetScenario } from '@eolab/engine';
import { describe, expect, it } from 'vitest';
import { failingElement, ownFailureFate, plannedFailureText } from '../src/explain/own-failure';
import { knobsOf, scenarioFrom } from '../src/state/controls';
import { runPreset } from './sim';

describe("the scenario's own failure, in words", () => {
  it('before Start: live-demo throws at its own element 8,000', () => {
    const scenario = presetScenario('live-demo', 'ATLEAST_ONCE')!;
    expect(plannedFailureText(scenario, 'live-demo')).toBe(
      'The mapper throws at element 8,000 (the value 7,999) of the first attempt, and never in an attempt restored from a checkpoint.',
    );
  });

  it('before Start: with Events changed, the failure moves to N/2 + 1 and the text says from where', () => {
    const base = presetScenario('live-demo', 'ATLEAST_ONCE')!;
    const scenario = scenarioFrom('live-demo', null, 'ATLEAST_ONCE', { ...knobsOf(base), numEvents: 1_000 });
    expect(failingElement(scenario.faults)).toBe(501);
    expect(plannedFailureText(scenario, 'live-demo')).toContain(
      "Events is 1,000, not the preset's 20,000: its failure at element 8,000 moves to N/2 + 1 = 501",
    );
  });

  it('a preset without the sample failure says nothing', () => {
    expect(plannedFailureText(presetScenario('notify-lost', 'EXACTLY_ONCE')!, 'notify-lost')).toBeNull();
  });

  it('after a failure injected before it, restored from a checkpoint: it will not fire, and why', () => {
    const scenario = presetScenario('live-demo', 'ATLEAST_ONCE')!;
    const early = { kind: 'mapper-exception' as const, atMs: 2_000 };
    const { events, report } = runPreset('live-demo', 'ATLEAST_ONCE', {
      faults: [...scenario.faults, early],
    });
    // The model agrees: only the injected failure happened.
    expect(events.filter((e) => e.kind === 'task-failed')).toHaveLength(1);
    expect(report.restarts.used).toBe(1);
    const fate = ownFailureFate(scenario, events, false);
    expect(fate?.willFire).toBe(false);
    expect(fate?.text).toMatch(
      /^The scenario's own failure at element 8,000 will not fire: the sample's mapper never fails in an attempt restored from a checkpoint, and attempt 2 was restored from checkpoint \d+ after the failure at 2,\d{3} ms\.$/,
    );
  });

  it('a run where it fired: nothing more to say', () => {
    const { events } = runPreset('seed', 'ATLEAST_ONCE');
    expect(ownFailureFate(presetScenario('seed', 'ATLEAST_ONCE')!, events, false)).toBeNull();
  });

  it('a live run before the element: it says where it will fire', () => {
    const scenario = presetScenario('seed', 'ATLEAST_ONCE')!;
    expect(ownFailureFate(scenario, [], true)).toEqual({
      willFire: true,
      text: "The scenario's own failure fires at element 26 (the value 25).",
    });
  });
});

describe('a failure before any checkpoint completed', () => {
  it('restarts fresh: until the element is reached again, the page says it still fires, where', () => {
    const scenario = presetScenario('seed', 'ATLEAST_ONCE')!;
    const { events } = runPreset('seed', 'ATLEAST_ONCE', {
      faults: [...scenario.faults, { kind: 'mapper-exception', atMs: 5 }],
      restart: { ...scenario.restart, attempts: 2 },
    });
    const restored = events.findIndex((e) => e.kind === 'job-restored');
    const restore = events[restored];
    expect(restore?.kind === 'job-restored' && restore.checkpointId).toBeNull();
    expect(ownFailureFate(scenario, events.slice(0, restored + 1), true)).toEqual({
      willFire: true,
      text: 'Attempt 2 started fresh (no checkpoint to restore from), so the mapper counts again: it throws at element 26 (the value 25).',
    });
    // And the model agrees: it did fire in the fresh attempt.
    expect(events.some((e) => e.kind === 'task-failed' && e.element === 26)).toBe(true);
  });
});
