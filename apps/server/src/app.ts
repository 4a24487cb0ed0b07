import { existsSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import { join } from 'node:path';
import type { ClientToServerEvents, RunSnapshot, ServerToClientEvents } from '@eolab/protocol';
import compression from 'compression';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { type Logger, pino } from 'pino';
import { Server } from 'socket.io';
import { guardRequests, hostAllowed, originAllowed, tokenValid } from './access';
import type { ServerConfig } from './config';
import { RunStore } from './db';
import { describeError } from './errors';
import { upgradeOlderFailedRuns } from './older-reports';
import { RateLimits } from './rate-limits';
import { apiRoutes } from './routes';
import { RunManager } from './run-manager';
import { sharedJsonParser } from './shared-json';
import { handleSockets, type IoServer, roomOf } from './sockets';

export interface AppDeps {
  config: ServerConfig;
  logger?: Logger;
  /** Opens the run store; tests pass one whose disk can be made to fail. */
  openStore?: (dataDir: string) => RunStore;
}

export interface App {
  http: HttpServer;
  io: IoServer;
  manager: RunManager;
  close(): Promise<void>;
}

/** Builds the server (HTTP + socket.io + run manager) without listening, so tests can use port 0. */
export function createApp({ config, logger, openStore }: AppDeps): App {
  const log = logger ?? pino({ level: config.logLevel });
  const store = (openStore ?? ((dir) => new RunStore(dir)))(config.dataDir);
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
  const io: IoServer = new Server<ClientToServerEvents, ServerToClientEvents>(http, {
    maxHttpBufferSize: config.limits.maxSocketPayloadBytes,
    serveClient: false,
    parser: sharedJsonParser,
    // WebSocket only: no long-polling fallback, so no HTTP upgrade dance or polling buffers per client.
    transports: ['websocket'],
    perMessageDeflate: config.socketDeflate ? { threshold: 1024 } : false,
    // Browsers always send Origin on a WebSocket: a page from another site cannot open one here.
    allowRequest: (req, callback) => {
      const ok =
        hostAllowed(req.headers.host, access) && originAllowed(req.headers.origin, req.headers.host, access);
      callback(ok ? null : 'origin or host not allowed', ok);
    },
  });
  const rates = new RateLimits(config.limits);
  /** CPU spent sending deltas (one emit writes to every watcher's socket): health reports it. */
  let deltaSendCpuUs = 0;
  io.use((socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    if (!tokenValid(access, socket.request, auth?.token)) {
      return next(new Error('token: this server requires its access token'));
    }
    void rates.takeConnection(socket.handshake.address).then((refused) => {
      next(refused === null ? undefined : new Error(refused));
    }, next);
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
      // Serialised once, shared by every watcher (the encoder splices it in as it is).
      snapshot: (run) =>
        io.to(roomOf(run.id)).emit('run:snapshot', run.snapshotJson() as unknown as RunSnapshot),
      changed: (summary) => io.emit('runs:changed', summary),
      deleted: (runId) => {
        io.emit('runs:deleted', { runId });
        io.in(roomOf(runId)).socketsLeave(roomOf(runId));
      },
      watched: (runId) => (io.sockets.adapter.rooms.get(roomOf(runId))?.size ?? 0) > 0,
    },
    log,
  );

  app.disable('x-powered-by');
  app.use(guardRequests(access));
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'connect-src': ["'self'", 'ws:', 'wss:'],
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
      },
      rates,
    ),
  );
  app.use('/api', (_req, res) => {
    res.status(404).json({ error: 'no such API endpoint' });
  });
  serveDashboard(app, config.webDir, log);
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const { status, message } = describeError(error);
    if (status >= 500) log.error({ err: error }, 'request failed');
    res.status(status).json({ error: message });
  });

  handleSockets(io, manager, rates, log);
  manager.start();

  return {
    http,
    io,
    manager,
    close: async () => {
      manager.stop();
      // A real run's task process and the PostgreSQL it writes to go with the server.
      await manager.real.close();
      await new Promise<void>((resolve) => {
        io.close(() => resolve());
      });
      store.close();
    },
  };
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
    res.sendFile(index);
  });
}
