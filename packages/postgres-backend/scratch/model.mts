import { parseScenario, presetScenario, Simulation, timingDecides, withSystem } from '@eolab/engine';

const scale = (preset: string, mode: any, change: (s: any) => any) => {
  const s = presetScenario(preset, mode)!;
  const r = parseScenario(change(JSON.parse(JSON.stringify(s))));
  if (!r.ok) throw new Error(r.errors.join());
  return r.value;
};
for (const mode of ['BEST_EFFORT', 'ATLEAST_ONCE', 'EXACTLY_ONCE'] as const) {
  const cases = {
    past: scale('kafka-restart-past-timeout', mode, (s) => ({
      ...s,
      kafka: { ...s.kafka, transactionTimeoutMs: 3000, abortTimedOutIntervalMs: 500 },
      restart: { ...s.restart, delayMs: 4500 },
    })),
    lso: scale('kafka-lso-stall', mode, (s) => ({ ...s, restart: { ...s.restart, delayMs: 3000 } })),
    max: scale('kafka-timeout-above-max', mode, (s) => ({ ...s, restart: { ...s.restart, delayMs: 100 } })),
    zombie: presetScenario('kafka-zombie-fenced', mode)!,
  };
  for (const [k, s] of Object.entries(cases)) {
    const r = new Simulation(s).runToEnd();
    console.log(
      mode,
      k,
      r.verdict,
      'dup',
      r.duplicates.length,
      'miss',
      r.missing.length,
      r.finished,
      'timing:',
      timingDecides(s),
    );
  }
}
