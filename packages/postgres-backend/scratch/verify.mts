import { parseScenario, presetScenario } from '@eolab/engine';
import { startPostgres, verifyScenario } from '../src/index.ts';

const scale = (preset: string, mode: any, change: (s: any) => any) => {
  const r = parseScenario(change(JSON.parse(JSON.stringify(presetScenario(preset, mode)!))));
  if (!r.ok) throw new Error(r.errors.join());
  return r.value;
};
const which = process.argv[2];
const mode = (process.argv[3] ?? 'EXACTLY_ONCE') as any;
const cases: Record<string, any> = {
  past: () =>
    scale('kafka-restart-past-timeout', mode, (s) => ({
      ...s,
      kafka: { ...s.kafka, transactionTimeoutMs: 3000, abortTimedOutIntervalMs: 500 },
      restart: { ...s.restart, delayMs: 4500 },
    })),
  lso: () => scale('kafka-lso-stall', mode, (s) => ({ ...s, restart: { ...s.restart, delayMs: 3000 } })),
  max: () =>
    scale('kafka-timeout-above-max', mode, (s) => ({ ...s, restart: { ...s.restart, delayMs: 100 } })),
  zombie: () => presetScenario('kafka-zombie-fenced', mode)!,
};
const server = await startPostgres();
try {
  const t0 = Date.now();
  const v = await verifyScenario(cases[which](), server);
  console.log(v.postgres.log.join('\n'));
  console.log('model', v.model.verdict, v.model.duplicates.length, v.model.missing.length, v.model.finished);
  console.log(
    'real ',
    v.postgres.verdict,
    v.postgres.duplicates.length,
    v.postgres.missing.length,
    v.postgres.finished,
    JSON.stringify(v.postgres.causes.missing.map((c) => [c.kind, c.count, c.text])),
  );
  console.log('differences', v.differences, v.notes, Date.now() - t0, 'ms');
} finally {
  await server.stop();
}
