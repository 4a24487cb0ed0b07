import { parseScenario } from '@eolab/engine';
import { startPostgres, verifyScenario } from '../src/index.ts';

const pool = Number(process.argv[2] ?? 1);
const r = parseScenario({
  version: 1,
  name: 'pool',
  seed: 1,
  system: 'kafka',
  mode: 'EXACTLY_ONCE',
  numEvents: 50,
  kafka: { producerPoolSize: pool },
  checkpoint: { tolerableFailures: Number(process.argv[3] ?? 0) },
  faults: [{ kind: 'mapper-exception', atElement: 26 }],
});
if (!r.ok) throw new Error(r.errors.join());
const server = await startPostgres();
try {
  const v = await verifyScenario(r.value, server);
  console.log(v.postgres.log.slice(0, 30).join('\n'));
  console.log(
    'model',
    v.model.verdict,
    v.model.duplicates.length,
    v.model.missing.length,
    v.model.finished,
    v.model.checkpoints,
  );
  console.log(
    'real ',
    v.postgres.verdict,
    v.postgres.duplicates.length,
    v.postgres.missing.length,
    v.postgres.finished,
    v.postgres.checkpoints,
  );
  console.log('differences', v.differences, v.notes, v.timingDecides);
} finally {
  await server.stop();
}
