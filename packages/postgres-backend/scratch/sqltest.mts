import pg from 'pg';
import { startPostgres } from '/work/wt-kverify/packages/postgres-backend/src/index.ts';
import { KAFKA_SCHEMA_SQL } from '/work/wt-kverify/packages/postgres-backend/src/postgres/kafka-schema.ts';

const server = await startPostgres();
const c = new pg.Client({ connectionString: server.url });
await c.connect();
const parts = KAFKA_SCHEMA_SQL.split(/\n(?=CREATE )/);
for (const p of parts) {
  try {
    await c.query(p);
  } catch (e) {
    console.log('FAIL', (e as Error).message, p.slice(0, 300));
  }
}
await c.end();
await server.stop();
