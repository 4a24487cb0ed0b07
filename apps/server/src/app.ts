import { existsSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import { join } from 'node:path';
import type { ClientToServerEvents, ServerToClientEvents } from '@eolab/protocol';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { type Logger, pino } from 'pino';
import { Server } from 'socket.io';
import type { ServerConfig } from './config';
import { RunStore } from './db';
import { describeError } from './errors';
import { apiRoutes } from './routes';
import { RunManager } from './run-manager';
import { handleSockets, type IoServer, roomOf } from './sockets';

export interface AppDeps {
  config: ServerConfig;
  logger?: Logger;
}

export interface App {
  http: HttpServer;
  io: IoServer;
  manager: RunManager;
  close(): Promise<void>;
}

/** Builds the server (HTTP + socket.io + run manager) without listening, so tests can use port 0. */
export function createApp({ config, logger }: AppDeps): App {
  const log = logger ?? pino({ level: config.logLevel });
  const store = new RunStore(config.dataDir);
  const interrupted = store.markInterrupted();
  if (interrupted > 0)
    log.warn({ interrupted }, 'runs that were live when the server stopped are marked interrupted');

  const app = express();
  const http = createServer(app);
  const io: IoServer = new Server<ClientToServerEvents, ServerToClientEvents>(http, {
    maxHttpBufferSize: config.limits.maxSocketPayloadBytes,
    serveClient: false,
  });
  const manager = new RunManager(
    store,
    config.limits,
    {
      delta: (run, delta, mustArrive) => {
        const room = io.to(roomOf(run.id));
        if (mustArrive) room.emit('run:delta', delta);
        else room.volatile.emit('run:delta', delta);
      },
      changed: (summary) => io.emit('runs:changed', summary),
      deleted: (runId) => {
        io.emit('runs:deleted', { runId });
        io.in(roomOf(runId)).socketsLeave(roomOf(runId));
      },
    },
    log,
  );

  app.disable('x-powered-by');
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: { 'connect-src': ["'self'", 'ws:', 'wss:'], 'img-src': ["'self'", 'data:', 'blob:'] },
      },
    }),
  );
  app.use(express.json({ limit: config.limits.maxBodyBytes }));
  app.use('/api', apiRoutes(manager, { startedAtMs: Date.now(), sockets: () => io.engine.clientsCount }));
  app.use('/api', (_req, res) => {
    res.status(404).json({ error: 'no such API endpoint' });
  });
  serveDashboard(app, config.webDir, log);
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const { status, message } = describeError(error);
    if (status >= 500) log.error({ err: error }, 'request failed');
    res.status(status).json({ error: message });
  });

  handleSockets(io, manager, log);
  manager.start();

  return {
    http,
    io,
    manager,
    close: async () => {
      manager.stop();
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
