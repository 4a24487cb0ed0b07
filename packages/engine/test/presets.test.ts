import { describe, expect, it } from 'vitest';
import { PRESETS, presetScenario, Simulation, WRITER_MODES } from '../src/index';

/**
 * Every preset states, per writer mode, the outcome it gives; the UI shows that statement where the
 * preset is picked. The model decides the outcome: this test holds the statement to it.
 */
describe('each preset gives the outcome it states', () => {
  for (const preset of PRESETS) {
    for (const mode of WRITER_MODES) {
      it(`${preset.id} in ${mode}`, () => {
        const report = new Simulation(presetScenario(preset.id, mode)!).runToEnd();
        const stated = preset.expected[mode];
        expect({
          verdict: report.verdict,
          duplicates: report.counts.duplicates,
          missing: report.counts.missing,
          finished: report.finished,
        }).toEqual({
          verdict: stated.verdict,
          duplicates: stated.duplicates,
          missing: stated.missing,
          finished: stated.finished ?? true,
        });
      });
    }
  }

  it('the seed states the sample’s own outcome: 17..24 twice without transactions, none with them', () => {
    const atLeastOnce = new Simulation(presetScenario('seed', 'ATLEAST_ONCE')!).runToEnd();
    expect(atLeastOnce.duplicates).toEqual([17, 18, 19, 20, 21, 22, 23, 24]);
    expect(PRESETS.find((p) => p.id === 'seed')!.expected.ATLEAST_ONCE.note).toContain('17..24');
  });
});
