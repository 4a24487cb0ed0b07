import { parseScenario, presetScenario, Simulation, timingDecides } from '@eolab/engine';
import { startPostgres, verifyScenario } from '../src/index.ts';

const base = structuredClone(presetScenario('kafka-lso-stall', 'EXACTLY_ONCE')!);
const r = parseScenario({
  ...base,
  restart: { ...base.restart, delayMs: 3000 },
  faults: [
    { kind: 'notify-lost', checkpoint: 3, target: 0 },
    { kind: 'crash-before-notify', checkpoint: 4 },
  ],
});
if (!r.ok) throw new Error(r.errors.join());
const events: any[] = [];
const sim = new Simulation(r.value);
sim.onEvent?.((e: any) => events.push(e));
const m = new Simulation(r.value).runToEnd();
console.log('model', m.verdict, m.duplicates.length, m.missing.length, timingDecides(r.value));
const server = await startPostgres();
try {
  const v = await verifyScenario(r.value, server);
  console.log(v.postgres.log.filter((l) => l.includes('held')).join('\n'));
  console.log('real', v.postgres.verdict, v.differences);
} finally {
  await server.stop();
}
