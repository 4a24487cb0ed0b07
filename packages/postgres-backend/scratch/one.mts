import { withSystem } from '@eolab/engine';
import { randomRealScenario, realFaultKinds, startPostgres, verifyScenario } from '../src/index.ts';
const seed = Number(process.argv[2]);
const system = (process.argv[3] ?? 'kafka') as 'kafka' | 'pravega';
let s = randomRealScenario(seed, realFaultKinds('kafka'), 'kafka');
if (system === 'pravega') { const m = withSystem(s, 'pravega'); if (!m.ok) throw new Error(); s = m.value; }
console.log(JSON.stringify({ mode: s.mode, n: s.numEvents, restart: s.restart, retry: s.sink.writerRetry, faults: s.faults }));
const server = await startPostgres();
try {
  const v = await verifyScenario(s, server);
  console.log(v.postgres.log.filter((l) => !l.startsWith('Duplicate event')).join('\n'));
  console.log('model', v.model.verdict, v.model.duplicates.length, v.model.missing.length, v.model.finished);
  console.log('real ', v.postgres.verdict, v.postgres.duplicates.length, v.postgres.missing.length, v.postgres.finished);
} finally { await server.stop(); }
