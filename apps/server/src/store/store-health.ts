import type { StoreStatus } from '@eolab/protocol';
import type { Logger } from 'pino';
import { RunError } from '../runs/run-error';
import { causeOf } from '../startup-error';

/**
 * Whether the run store accepts writes. A disk that fails (SQLITE_IOERR, SQLITE_FULL, read-only)
 * must not take the server down: writes are attempted, a refusal puts the server in a degraded
 * state that is logged once and reported by /api/health, runs keep streaming, and the callers
 * retry (periodic saves) until the store accepts writes again.
 */
export class StoreHealth {
  private failingSince: string | null = null;
  private lastError: string | null = null;
  private failures = 0;

  /** Writes waiting for the disk, when the store writes in the background (store-worker.ts). */
  private backlog: () => { writes: number; oldestMs: number | null } = () => ({ writes: 0, oldestMs: null });

  constructor(private readonly log: Logger) {}

  /** A store that writes in the background reports each write's outcome here, and its backlog. */
  follow(store: {
    onOutcome: (what: string, error: Error | null) => void;
    backlog(): { writes: number; oldestMs: number | null };
  }): void {
    store.onOutcome = (what, error) => (error === null ? this.succeeded() : this.failed(what, error));
    this.backlog = () => store.backlog();
  }

  /** Attempts a write that can wait: false (logged) when the store refused it. */
  tryWrite(what: string, write: () => void): boolean {
    try {
      write();
    } catch (error) {
      this.failed(what, error);
      return false;
    }
    this.succeeded();
    return true;
  }

  /** A write the request depends on: a refusal becomes a 503 whose message says so. */
  write<T>(what: string, write: () => T, { refuse }: { refuse: string }): T {
    let value: T;
    try {
      value = write();
    } catch (error) {
      this.failed(what, error);
      throw new RunError(503, `${refuse} (${causeOf(error)})`);
    }
    this.succeeded();
    return value;
  }

  get writable(): boolean {
    return this.failingSince === null;
  }

  status(unsavedRuns: number): StoreStatus {
    return {
      writable: this.failingSince === null,
      failingSince: this.failingSince,
      lastError: this.lastError,
      unsavedRuns,
      pendingWrites: this.backlog().writes,
      oldestPendingMs: this.backlog().oldestMs,
    };
  }

  private failed(what: string, error: unknown): void {
    this.failures++;
    this.lastError = `${what}: ${causeOf(error)}`;
    if (this.failingSince === null) {
      this.failingSince = new Date().toISOString();
      this.log.error(
        { err: error, what },
        'the run store refuses writes: degraded mode (runs keep streaming, saves are retried)',
      );
    } else if (this.failures % 100 === 0) {
      this.log.error(
        { what, failures: this.failures, cause: this.lastError },
        'the run store still refuses writes',
      );
    }
  }

  private succeeded(): void {
    if (this.failingSince === null) return;
    this.log.warn(
      { failingSince: this.failingSince, failures: this.failures },
      'the run store accepts writes again: degraded mode over',
    );
    this.failingSince = null;
    this.failures = 0;
  }
}
