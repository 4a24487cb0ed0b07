import { presetScenario, withSystem } from '@eolab/engine';
import { startPostgres, verifyScenario } from '../src/index.ts';

const moved = withSystem(presetScenario('seed', 'EXACTLY_ONCE')!, 'kafka');
if (!moved.ok) throw new Error();
const server = await startPostgres();
try {
  const v = await verifyScenario(moved.value, server);
  console.log('model', v.model.transactions, v.model.checkpoints);
  console.log('real ', v.postgres.transactions, v.postgres.checkpoints);
} finally {
  await server.stop();
}
