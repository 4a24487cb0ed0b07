import { describe, expect, it } from 'vitest';
import { presetScenario, type SimEvent, Simulation } from '../src';

describe('listening to a run', () => {
  it('a listener added mid-run hears the checkpoint steps from then on, as one there from the start does', () => {
    const scenario = presetScenario('seed', 'EXACTLY_ONCE')!;
    const whole: SimEvent[] = [];
    const fromStart = new Simulation(scenario);
    fromStart.on((e) => whole.push(e));
    fromStart.runToEnd();

    const late: SimEvent[] = [];
    const sim = new Simulation(scenario);
    sim.advanceTo(150);
    sim.on((e) => late.push(e));
    sim.runToEnd();
    expect(late.some((e) => e.kind === 'checkpoint-triggered')).toBe(true);
    expect(late).toEqual(whole.filter((e) => e.t > 150));
  });

  it('a listener removed hears nothing more, and the run ends the same', () => {
    const scenario = presetScenario('seed', 'EXACTLY_ONCE')!;
    const heard: SimEvent[] = [];
    const sim = new Simulation(scenario);
    const stop = sim.on((e) => heard.push(e));
    sim.advanceTo(150);
    stop();
    const before = heard.length;
    const report = sim.runToEnd();
    expect(heard.length).toBe(before);
    expect(report).toEqual(new Simulation(scenario).runToEnd());
  });
});
