import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { sweepOrphans } from './real/orphans';
import { causeOf, StartupError } from './startup-error';

/**
 * Starts the server. A problem that stops it from starting (bad environment, unusable data
 * directory, port taken) is printed as one line naming the cause and the path or port, with exit
 * code 2 and no stack: it is the user's to fix, not a bug.
 */
function fail(message: string): never {
  console.error(`eolab-server: ${message}`);
  process.exit(2);
}

/** The addresses others can use: a wildcard bind is every interface's address, loopback last. */
function addressesFor(host: string): string[] {
  if (host !== '0.0.0.0' && host !== '[::]') return [host];
  const out: string[] = [];
  for (const entries of Object.values(networkInterfaces())) {
    for (const e of entries ?? []) if (e.family === 'IPv4' && !e.internal) out.push(e.address);
  }
  return [...out, '127.0.0.1'];
}

/** SIGTERM ends the server within this, whatever it was doing (issue 24: 5 s at most). */
const SHUTDOWN_MS = 4_000;

function main(): void {
  // Every process this server starts (task processes, PostgreSQL and its workers) inherits this:
  // a later start, or the watchdog, finds what a killed server left by it (orphans.ts).
  process.env.EOLAB_OWNER_PID = String(process.pid);
  sweepOrphans();
  let config: ReturnType<typeof loadConfig>;
  let app: ReturnType<typeof createApp>;
  try {
    config = loadConfig();
    app = createApp({ config });
  } catch (error) {
    if (error instanceof ConfigError || error instanceof StartupError) fail(error.message);
    throw error;
  }
  app.http.once('error', (error) => {
    fail(`cannot listen on ${config.host}:${config.port} (PORT, HOST): ${causeOf(error)}`);
  });
  app.http.listen(config.port, config.host, () => {
    const port = (app.http.address() as AddressInfo).port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const token = config.access.token;
    console.log(`Exactly-Once Lab on http://${host}:${port} (data in ${config.dataDir})`);
    if (token !== null) {
      const generated = config.access.tokenGenerated
        ? 'generated for this start; set EOLAB_TOKEN to keep one'
        : 'EOLAB_TOKEN';
      console.log(`Access token required (${generated}). Open the dashboard at:`);
      for (const h of addressesFor(host))
        console.log(`  http://${h}:${port}/?token=${encodeURIComponent(token)}`);
    }
  });

  // Each step of the way out is bounded (PostgreSQL's stop, the task process, the store): a stop
  // that hangs must not keep the server from ending. What is not done by then is cut short.
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    const cut = setTimeout(() => {
      console.error(`eolab-server: shutdown took over ${SHUTDOWN_MS} ms; exiting anyway`);
      process.exit(1);
    }, SHUTDOWN_MS);
    cut.unref();
    void app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main();
