import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server as HttpServer, type IncomingMessage } from 'node:http';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { ClientToServerEvents, RunSnapshot, ServerToClientEvents } from '@eolab/protocol';
import compression from 'compression';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { type Logger, pino } from 'pino';
import { Server } from 'socket.io';
import { type Cluster, joinCluster } from './cluster/cluster';
import { tellInterrupted } from './cluster/interruptions';
import { localCommands } from './cluster/run-commands';
import type { ServerConfig } from './config';
import { guardRequests, hostAllowed, originAllowed, tokenOf, tokenValid } from './http/access';
import { ClientErrorLog } from './http/client-errors';
import { describeError } from './http/errors';
import { RateLimits } from './http/rate-limits';
import { apiRoutes } from './http/routes';
import { sharedJsonParser } from './http/shared-json';
import { handleSockets, type IoServer, roomOf } from './http/sockets';
import { TransportLimits } from './http/transport-limits';
import { RunManager } from './runs/run-manager';
import { upgradeOlderFailedRuns } from './store/older-reports';
import { PgRunStore } from './store/pg-store';
import type { RunHistory } from './store/run-history';
import { QueuedRunStore } from './store/store-worker';
import { FileSweepStore } from './sweeps/file-sweep-store';
import { PgSweepStore } from './sweeps/pg-sweep-store';
import { shareSweepCancels } from './sweeps/sweep-cancels';
import { SweepManager } from './sweeps/sweep-manager';
import { sweepRoutes } from './sweeps/sweep-routes';

export interface AppDeps {
  config: ServerConfig;
  logger?: Logger;
  /** Opens the run store; tests pass one whose disk can be made to fail. */
  openStore?: (dataDir: string) => RunHistory;
}

export interface App {
  http: HttpServer;
  io: IoServer;
  manager: RunManager;
  transport: TransportLimits;
  close(): Promise<void>;
}

/** Builds the server (HTTP + socket.io + run manager) without listening, so tests can use port 0. */
export function createApp({ config, logger, openStore }: AppDeps): App {
  const log = logger ?? pino({ level: config.logLevel });
  // Writes go to a worker thread (store-worker.ts): a stalled disk delays saves, not the server.
  // With EOLAB_DATABASE_URL, run history is PostgreSQL's, shared by every server of a cluster.
  const databaseUrl = config.cluster.databaseUrl;
  const store =
    openStore?.(config.dataDir) ??
    (databaseUrl !== null ? new PgRunStore(databaseUrl) : new QueuedRunStore(config.dataDir));
  // This server's name in a cluster: the runs it creates are its own in the shared history.
  const serverId = randomUUID().slice(0, 8);
  const interrupted = store.markInterrupted();
  if (interrupted > 0)
    log.warn({ interrupted }, 'runs that were live when the server stopped are marked interrupted');
  const upgraded = upgradeOlderFailedRuns(store);
  if (upgraded > 0)
    log.info(
      { upgraded },
      'failed runs stored by an older version re-run to tell lost values from never-emitted ones',
    );

  const app = express();
  const http = createServer(app);
  const access = config.access;
  const transport = new TransportLimits({
    connectionsPerAddress: config.limits.connectionsPerAddress,
    handshakesPerMinutePerAddress: config.limits.socketConnectionsPerMinutePerAddress,
    wrongTokensPerMinutePerAddress: config.limits.wrongTokensPerMinutePerAddress,
  });
  transport.attach(http);
  const clientErrors = new ClientErrorLog(log);
  const io: IoServer = new Server<ClientToServerEvents, ServerToClientEvents>(http, {
    maxHttpBufferSize: config.limits.maxSocketPayloadBytes,
    serveClient: false,
    parser: sharedJsonParser,
    // WebSocket only: no long-polling fallback, so no HTTP upgrade dance or polling buffers per client.
    transports: ['websocket'],
    perMessageDeflate: config.socketDeflate ? { threshold: 1024 } : false,
    // Browsers always send Origin on a WebSocket: a page from another site cannot open one here.
    // Runs for every handshake before socket.io sees it: an address past its handshakes per minute
    // (or locked out for wrong tokens) is refused here, before any namespace or handler.
    allowRequest: (req, callback) => {
      try {
        const allowed =
          hostAllowed(req.headers.host, access) &&
          originAllowed(req.headers.origin, req.headers.host, access);
        if (!allowed) return callback('origin or host not allowed', false);
        const refused = transport.handshakeRefusal(req.socket.remoteAddress ?? 'unknown');
        callback(refused, refused === null);
      } catch (error) {
        clientErrors.note('socket handshake refused', error);
        callback('bad handshake', false);
      }
    },
  });
  const rates = new RateLimits(config.limits);
  /** CPU spent sending deltas (one emit writes to every watcher's socket): health reports it. */
  let deltaSendCpuUs = 0;
  // Any exception here would escape socket.io and end the process: every step is caught.
  io.use((socket, next) => {
    try {
      const address = socket.handshake.address;
      const refused = transport.socketRefusal(address);
      if (refused !== null) return next(new Error(refused));
      if (access.token === null) return next();
      if (transport.tokenLockedOut(address)) return next(new Error(transport.lockedOutMessage()));
      const auth = socket.handshake.auth as { token?: unknown } | undefined;
      if (tokenValid(access, socket.request, auth?.token)) return next();
      if (tokenOf(socket.request, auth?.token) !== undefined) transport.wrongToken(address);
      next(new Error('token: this server requires its access token'));
    } catch (error) {
      clientErrors.note('socket refused', error);
      next(new Error('bad handshake'));
    }
  });
  const manager = new RunManager(
    store,
    config.limits,
    config.retention,
    {
      delta: (run, delta, mustArrive) => {
        const started = process.cpuUsage();
        const room = io.to(roomOf(run.id));
        if (mustArrive) room.emit('run:delta', delta);
        else room.volatile.emit('run:delta', delta);
        const spent = process.cpuUsage(started);
        deltaSendCpuUs += spent.user + spent.system;
      },
      // Serialised once, shared by every watcher (the encoder splices it in as it is). Through the
      // cluster's adapter it must travel as a value: the other servers encode it again.
      snapshot: (run) =>
        io
          .to(roomOf(run.id))
          .emit(
            'run:snapshot',
            (cluster === null
              ? run.snapshotJson()
              : JSON.parse(run.snapshotJson().json)) as unknown as RunSnapshot,
          ),
      changed: (summary) => io.emit('runs:changed', summary),
      deleted: (runId) => {
        io.emit('runs:deleted', { runId });
        io.in(roomOf(runId)).socketsLeave(roomOf(runId));
      },
      watched: (runId) => (io.sockets.adapter.rooms.get(roomOf(runId))?.size ?? 0) > 0,
    },
    log,
  );

  // With EOLAB_REDIS_URL, this server joins the others: a run's deltas reach its watchers on every
  // server, and commands for a run that lives elsewhere are answered by its server.
  const cluster: Cluster | null =
    config.cluster.redisUrl === null
      ? null
      : joinCluster(io, manager, config.cluster.redisUrl, log, serverId);
  const runs = cluster?.commands ?? localCommands(manager);
  if (store instanceof PgRunStore) {
    manager.storeHealth.follow(store);
    store.onDropped = (runId, why) =>
      log.error({ runId, why }, 'a write of this run was refused and dropped');
    store.joinCluster(
      serverId,
      () => listeningAddress(http) ?? `${config.host}:${config.port}`,
      (runIds) => tellInterrupted(io, manager, runIds, log),
    );
  }
  // Sweeps run on worker threads, one per core, or with EOLAB_REDIS_URL on the fleet's `eolab
  // worker`s; their progress goes to every dashboard. They are kept beside the run history: in
  // PostgreSQL when it is there (every server lists them), else in files.
  const sweeps = new SweepManager(
    store instanceof PgRunStore && databaseUrl !== null
      ? new PgSweepStore(databaseUrl, serverId, log)
      : new FileSweepStore(config.dataDir, log),
    availableParallelism(),
    (progress) => io.emit('sweep:progress', progress),
    log,
    config.cluster.redisUrl,
  );
  if (cluster !== null) shareSweepCancels(io, sweeps);

  if (store instanceof QueuedRunStore) {
    manager.storeHealth.follow(store);
    store.onDropped = (runId, why) =>
      log.error({ runId, why }, 'a write of this run was refused and dropped');
  }

  app.disable('x-powered-by');
  app.use(guardRequests(access, transport));
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // The page's own socket only (CSP 2 browsers do not count ws: as 'self').
          'connect-src': ["'self'", ...ownSocketSources],
          'img-src': ["'self'", 'data:', 'blob:'],
          // The dashboard is served over plain HTTP (often from another machine's address): asking
          // the browser to upgrade its asset requests to https would leave the page blank.
          'upgrade-insecure-requests': null,
        },
      },
      // Over plain HTTP, HSTS is meaningless and browsers reject COOP from an address that is not
      // loopback (with a console error): both are sent only on TLS connections (below).
      strictTransportSecurity: false,
      crossOriginOpenerPolicy: false,
    }),
  );
  const hsts = helmet.strictTransportSecurity();
  const coop = helmet.crossOriginOpenerPolicy();
  app.use((req, res, next) => (req.secure ? hsts(req, res, () => coop(req, res, next)) : next()));
  app.use('/api', rates.apiMiddleware());
  // What a client reads of stored runs includes what it was just told (a run that ended, one just
  // created): the reads wait for the writes already accepted, for a second at most (a stalled disk
  // then answers from what is on disk, and from memory for the runs it holds).
  app.use('/api/runs', (req, _res, next) => {
    if (req.method !== 'GET') return next();
    void store.settled(READ_AFTER_WRITE_MS).then(() => next());
  });
  // gzip or brotli (quality 4) for the dashboard's bundle and the API's JSON reports: the bundle
  // shrinks about 4x. Socket.io's traffic does not pass through Express.
  app.use(compression());
  app.use(express.json({ limit: config.limits.maxBodyBytes }));
  app.use(
    '/api',
    apiRoutes(
      manager,
      {
        startedAtMs: Date.now(),
        sockets: () => io.engine.clientsCount,
        deltaSendCpuUs: () => deltaSendCpuUs,
        cluster: async () =>
          cluster === null && databaseUrl === null
            ? null
            : {
                serverId,
                redis: cluster === null ? null : await cluster.redisStatus(),
                history: store instanceof PgRunStore ? 'postgres' : 'sqlite',
                sweeps: config.cluster.redisUrl === null ? 'threads' : 'fleet',
              },
      },
      rates,
      runs,
    ),
  );
  app.use('/api', sweepRoutes(sweeps, manager, rates));
  app.use('/api', (_req, res) => {
    res.status(404).json({ error: 'no such API endpoint' });
  });
  serveDashboard(app, config.webDir, log);
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  // An error in any middleware is answered; a client's (4xx) is logged once, without a stack.
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const { status, message } = describeError(error);
    if (status >= 500) log.error({ err: error }, 'request failed');
    else clientErrors.note(`${req.method} refused with ${status}`, error);
    if (res.headersSent) return void res.end();
    res.status(status).json({ error: message });
  });

  handleSockets(io, manager, rates, log, runs);
  manager.start();

  return {
    http,
    io,
    manager,
    transport,
    close: async () => {
      manager.stop();
      await sweeps.close();
      // A real run's task process and the PostgreSQL it writes to go with the server.
      await manager.real.close();
      await new Promise<void>((resolve) => {
        io.close(() => resolve());
      });
      await cluster?.close();
      // Writes still waiting get a moment; what a stalled disk did not take by then is said.
      await store.settled(CLOSE_WRITES_MS);
      if ((store instanceof QueuedRunStore || store instanceof PgRunStore) && store.unwritten().length > 0)
        log.error({ runs: store.unwritten() }, 'stopping with runs whose last writes the disk did not take');
      store.close();
    },
  };
}

const READ_AFTER_WRITE_MS = 1_000;
const CLOSE_WRITES_MS = 2_000;

/** host:port the server listens on (its real port when PORT=0); null before it listens. */
function listeningAddress(http: HttpServer): string | null {
  const bound = http.address();
  return bound === null || typeof bound === 'string' ? bound : `${bound.address}:${bound.port}`;
}

/** A path naming a file (an extension in its last segment, or under /assets/), not a client-side route. */
export function looksLikeAsset(path: string): boolean {
  return path.startsWith('/assets/') || /\.[A-Za-z0-9]{1,8}$/.test(path);
}

/**
 * CSP sources for the page's own socket: the Host it was loaded from, over ws: and wss:. A Host
 * header that is not a plain host[:port] adds nothing (it would otherwise write into the policy).
 */
const ownSocketSources = [
  (req: IncomingMessage) => socketSource('ws', req.headers.host),
  (req: IncomingMessage) => socketSource('wss', req.headers.host),
];

function socketSource(scheme: 'ws' | 'wss', host: string | undefined): string {
  return host !== undefined && /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host)
    ? `${scheme}://${host}`
    : "'self'";
}

/** The built dashboard, with every non-API path falling back to index.html (client-side routes). */
function serveDashboard(app: express.Express, webDir: string, log: Logger): void {
  const index = join(webDir, 'index.html');
  if (!existsSync(index)) {
    log.warn({ webDir }, 'no built dashboard found: run `npm run build -w @eolab/web`; serving the API only');
    return;
  }
  app.use(express.static(webDir, { index: false, maxAge: '1h' }));
  app.use((req, res, next) => {
    const read = req.method === 'GET' || req.method === 'HEAD';
    if (!read || req.path.startsWith('/api') || req.path.startsWith('/socket.io')) return next();
    // A file that is not there (an old bundle's chunk, a typo) is a 404, not the page: a page
    // parsed as a script fails obscurely. Client-side routes have no file extension.
    if (looksLikeAsset(req.path)) return next();
    res.sendFile(index);
  });
}
