import { startPostgres, verifySchedules } from '../src/index.ts';

const [count, seed] = [Number(process.argv[2] ?? 10), Number(process.argv[3] ?? 1)];
const server = await startPostgres();
const t0 = Date.now();
try {
  await verifySchedules(
    count,
    seed,
    server,
    (r) => {
      const v = r.verification;
      console.log(
        r.index,
        r.agreement,
        v.scenario.mode,
        v.scenario.faults.map((f) => JSON.stringify(f)).join(' '),
        '| model',
        v.model.verdict,
        v.model.duplicates.length,
        v.model.missing.length,
        v.model.finished,
        '| real',
        v.postgres.verdict,
        v.postgres.duplicates.length,
        v.postgres.missing.length,
        v.postgres.finished,
        v.differences.join('; '),
      );
    },
    undefined,
    'kafka',
  );
} finally {
  await server.stop();
}
console.log('took', Date.now() - t0, 'ms');
