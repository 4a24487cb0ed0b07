// `npm run cluster`: several servers, one lab, on this machine, for trying it (issue 22). Starts
// Debian's redis-server, an embedded PostgreSQL for the shared run history, and two dashboard
// servers on two ports joined through Redis, then waits; Ctrl-C stops them all. The README's
// "Several servers" section shows the same across machines.
//
//   EOLAB_CLUSTER_PORTS        the servers' ports, comma-separated (default 3000,3001; more ports, more
//                              servers; 0 picks a free one, which the server's own line then names)
//   EOLAB_CLUSTER_REDIS_PORT   Redis's port (default: a free one)
//   EOLAB_DATABASE_URL         an existing PostgreSQL instead of the embedded one
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis } from './redis-server.mjs';

const root = join(import.meta.dirname, '..');
// Read here, not by a turbo task: the cluster is started by hand or by a test, never cached.
const env = process.env;
const ports = (env.EOLAB_CLUSTER_PORTS ?? '3000,3001').split(',').map((p) => p.trim());
if (ports.some((p) => !/^\d{1,5}$/.test(p) || Number(p) > 65_535) || new Set(ports).size !== ports.length) {
  console.error(
    `cluster: EOLAB_CLUSTER_PORTS: expected distinct ports like 3000,3001, got '${ports.join(',')}'`,
  );
  process.exit(2);
}
const redisPort = env.EOLAB_CLUSTER_REDIS_PORT;
if (redisPort !== undefined && !/^\d{1,5}$/.test(redisPort)) {
  console.error(`cluster: EOLAB_CLUSTER_REDIS_PORT: expected a port, got '${redisPort}'`);
  process.exit(2);
}

const stops = [];
const scratch = mkdtempSync(join(tmpdir(), 'eolab-cluster-'));
stops.push(async () => rmSync(scratch, { recursive: true, force: true }));
let stopping = false;
async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  for (const stop of stops.reverse()) await stop().catch(() => {});
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));
// Whoever started the cluster (a terminal's npm, a test runner) went away without stopping it: the
// cluster goes too, instead of holding its ports and PostgreSQL as orphans.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void stopAll(0);
}, 1_000);

try {
  const redis = await startRedis(redisPort === undefined ? undefined : Number(redisPort));
  stops.push(() => redis.stop());
  let databaseUrl = env.EOLAB_DATABASE_URL;
  if (databaseUrl === undefined || databaseUrl === '') {
    const { startPostgres } = await import('@eolab/postgres-backend');
    const postgres = await startPostgres({ exitOnSignal: false });
    stops.push(() => postgres.stop());
    databaseUrl = postgres.url;
  }
  console.log(`cluster: Redis on ${redis.url}, run history in PostgreSQL`);
  for (const [i, port] of ports.entries()) {
    const server = spawn('node', [join(root, 'apps/server/dist/main.js')], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        ...process.env,
        PORT: port,
        EOLAB_REDIS_URL: redis.url,
        EOLAB_DATABASE_URL: databaseUrl,
        // Each server's own data directory (PostgreSQL holds the history; real runs use it too).
        EOLAB_DATA_DIR: join(scratch, `server-${i + 1}`),
        // Each dashboard's socket may come from the others' pages.
        EOLAB_ALLOWED_ORIGINS: ports.map((p) => `http://127.0.0.1:${p},http://localhost:${p}`).join(','),
      },
    });
    stops.push(
      () =>
        new Promise((resolve) => {
          if (server.exitCode !== null || server.signalCode !== null) return resolve();
          server.once('exit', resolve);
          server.kill('SIGTERM');
        }),
    );
    console.log(`cluster: server ${i + 1} on port ${port} is pid ${server.pid}`);
    server.once('exit', (code, signal) => {
      if (!stopping)
        console.error(`cluster: the server on port ${port} exited (${signal ?? code}); the others go on`);
    });
  }
  console.log(
    `cluster: ${ports.length} servers: ${ports.map((p) => `http://127.0.0.1:${p}`).join(' ')} (Ctrl-C stops all)`,
  );
} catch (error) {
  console.error(`cluster: ${error instanceof Error ? error.message : String(error)}`);
  await stopAll(2);
}
