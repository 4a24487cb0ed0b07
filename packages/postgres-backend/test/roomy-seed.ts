import { presetScenario, type Scenario } from '@eolab/engine';

/**
 * The seed with checkpoints 1 s apart instead of 100 ms, for the tests that hold a real run to the
 * sample's exact positions: the model gives the same outcome (restore from checkpoint 1 at position
 * 16, 17..24 twice without transactions), and a loaded machine cannot slip checkpoint 2 in before
 * the failure at element 26, as a real job whose notification of checkpoint 1 came 90 ms late did
 * at 100 ms (verify calls that run one where timing decides).
 */
export function roomySeed(mode: Scenario['mode']): Scenario {
  const seed = presetScenario('seed', mode)!;
  return { ...seed, checkpoint: { ...seed.checkpoint, intervalMs: 1_000 } };
}
