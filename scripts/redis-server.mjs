// Starts a throwaway Debian redis-server for the cluster tests, `npm run cluster` and the cluster
// benchmark: no disk persistence, its own port, gone when stopped. Never a mock: the cluster code
// is tested against the real server. `scripts/ensure-redis.sh` installs it where it is missing.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

/** A port free on 127.0.0.1 now (Redis cannot be asked for port 0). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts redis-server on `port` (a free one when not given) and resolves once it accepts
 * connections: `{ url, port, process, stop() }`.
 */
export async function startRedis(port) {
  if (spawnSync('redis-server', ['--version']).error !== undefined)
    throw new Error(
      "redis-server is not installed: run `bash scripts/ensure-redis.sh` (it installs Debian's)",
    );
  const chosen = port ?? (await freePort());
  const child = spawn(
    'redis-server',
    ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', '/tmp'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  await new Promise((resolve, reject) => {
    const onData = (data) => {
      output += data;
      if (output.includes('Ready to accept connections')) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`redis-server exited (${code}) on port ${chosen}: ${output.slice(-500)}`)),
    );
  });
  child.stdout.resume();
  child.stderr.resume();
  return {
    url: `redis://127.0.0.1:${chosen}`,
    port: chosen,
    process: child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
