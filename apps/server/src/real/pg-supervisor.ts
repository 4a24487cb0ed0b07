import type { PostgresServer } from '@eolab/postgres-backend';
import type { PostgresStatus } from '@eolab/protocol';

/** How often the postmaster is looked at: a signal 0 and a small file read, nothing PostgreSQL sees. */
const POLL_MS = 500;

/**
 * Watches the PostgreSQL the server started for real runs. A store outage fault takes it down on
 * purpose and is not a death; a postmaster that exits without being asked is: `onDied` is told once
 * with the reason (the real backend ends the running real run as a backend failure and starts a
 * fresh PostgreSQL for the next one), and health says what happened and since when.
 * A server named by EOLAB_POSTGRES_URL is not ours to watch: its failures show as the run's errors.
 */
export class PostgresSupervisor {
  private watched: PostgresServer | null = null;
  private timer: NodeJS.Timeout | null = null;
  private status: PostgresStatus = { state: 'not-started', version: null, lastFailure: null };

  constructor(private readonly onDied: (server: PostgresServer, reason: string) => void) {}

  starting(): void {
    this.status = { ...this.status, state: 'starting' };
  }

  startFailed(reason: string): void {
    this.status = {
      ...this.status,
      state: 'unavailable',
      lastFailure: { at: new Date().toISOString(), reason },
    };
  }

  watch(server: PostgresServer): void {
    this.unwatch();
    this.watched = server;
    this.status = { ...this.status, state: 'ready', version: server.version };
    if (server.condition === undefined) return;
    this.timer = setInterval(() => this.look(), POLL_MS);
    // Watching never keeps the process alive on its own.
    this.timer.unref();
  }

  unwatch(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.watched = null;
  }

  /** For /api/health. */
  health(): PostgresStatus {
    return this.status;
  }

  /** Looks now (the poll does this every POLL_MS; tests call it to not wait for the next one). */
  look(): void {
    const server = this.watched;
    const condition = server?.condition?.();
    if (server === null || condition?.state !== 'died') return;
    this.unwatch();
    this.status = {
      ...this.status,
      state: 'failed',
      lastFailure: { at: new Date().toISOString(), reason: condition.reason },
    };
    this.onDied(server, condition.reason);
  }
}
