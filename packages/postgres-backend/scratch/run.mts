import { presetScenario, withSystem } from '@eolab/engine';
import { runOnPostgres, startPostgres } from '../src/index.ts';

const [preset, mode] = [process.argv[2] ?? 'seed', (process.argv[3] ?? 'EXACTLY_ONCE') as any];
const moved = withSystem(presetScenario(preset, mode)!, 'kafka');
if (!moved.ok) throw new Error('x');
const server = await startPostgres();
try {
  const r = await runOnPostgres(moved.value, { server, onLine: (l) => {} });
  console.log(r.log.join('\n'));
  console.log(r.verdict, r.duplicates, r.missing.length, r.finished);
} finally {
  await server.stop();
}
