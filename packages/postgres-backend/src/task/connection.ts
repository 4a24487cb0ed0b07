import { attemptOffsetsMs, type RetryPolicy } from '@eolab/engine';
import pg from 'pg';

/**
 * A connection that comes back after a store outage, as the Pravega event writer reconnects to
 * the segment store: the call that found it broken is the first attempt, then reconnects on
 * `sink.writerRetry`'s backoff (Retry.withExpBackoff, the engine's `attemptOffsetsMs`), from the
 * moment the connection was lost. When the last attempt fails the connection is given up for good
 * and every waiter hears why (the task then fails, as the writer's exception fails a Flink task).
 */
export class Connection {
  private current: pg.Client | null = null;
  /** Bumped at every (re)connect: an error from an older client is about a connection already replaced. */
  private generation = 0;
  private reconnecting: Promise<pg.Client> | null = null;
  private closed = false;
  private givenUp: Error | null = null;
  private readonly offsetsMs: number[];
  /** The attempts the last successful (re)connect took, the first failed call included. */
  private attempts = 0;

  constructor(
    private readonly url: string,
    policy: RetryPolicy,
    private readonly hooks: {
      /** The connection was lost (the first reconnect follows on the backoff). */
      lost?(reason: string): void;
      /** A new connection is up: the owner resends what the old one did not get acknowledged. */
      reconnected?(client: pg.Client, afterMs: number, attempts: number): void;
      /** The retries ran out: the connection is given up for good. */
      gaveUp?(error: Error, attempts: number): void;
      /** The first connection needed retries: the store was down when the task started. */
      openedLate?(afterMs: number, attempts: number): void;
    } = {},
  ) {
    this.offsetsMs = attemptOffsetsMs(policy);
  }

  /** Connects, retrying on the same backoff when the server is down or still recovering. */
  async open(): Promise<void> {
    const startMs = Date.now();
    await this.reconnect(startMs, null);
    if (this.attempts > 1) this.hooks.openedLate?.(Date.now() - startMs, this.attempts);
  }

  /**
   * The connection now, or once it is back; rejects when the retries ran out. Asked again after
   * that (the coordinator's checks once the job ended), it starts a new round of retries.
   */
  client(): Promise<pg.Client> {
    if (this.closed) return Promise.reject(new Error('the connection is closed'));
    if (this.givenUp !== null) {
      this.givenUp = null;
      return this.reconnect(Date.now(), null);
    }
    if (this.reconnecting !== null) return this.reconnecting;
    if (this.current !== null) return Promise.resolve(this.current);
    return Promise.reject(new Error('the connection is closed'));
  }

  get tag(): number {
    return this.generation;
  }

  /** The connection when it is up; null while reconnecting, given up or closed. */
  get now(): pg.Client | null {
    return this.reconnecting === null && this.givenUp === null ? this.current : null;
  }

  /**
   * Runs an idempotent call (a COMMIT PREPARED that knows a repeat, a read): a lost connection is
   * reconnected and the call made again.
   */
  async run<T>(call: (client: pg.Client) => Promise<T>): Promise<T> {
    for (;;) {
      const client = await this.client();
      const tag = this.generation;
      try {
        return await call(client);
      } catch (error) {
        if (!isConnectionError(error)) throw error;
        this.lostConnection(tag, error);
      }
    }
  }

  /**
   * A call on the connection tagged `tag` failed with this error: when the connection is gone,
   * reconnecting starts (once per connection). Returns whether the error was the connection's.
   */
  failed(tag: number, error: unknown): boolean {
    if (!isConnectionError(error)) return false;
    this.lostConnection(tag, error);
    return true;
  }

  async end(): Promise<void> {
    this.closed = true;
    const client = this.current;
    this.current = null;
    await client?.end().catch(() => {});
  }

  private lostConnection(tag: number, error: unknown): void {
    if (tag !== this.generation || this.closed || this.reconnecting !== null || this.givenUp !== null) return;
    const old = this.current;
    this.current = null;
    void old?.end().catch(() => {});
    this.hooks.lost?.((error as Error).message ?? String(error));
    const lostAt = Date.now();
    this.reconnect(lostAt, error).then(
      (client) => this.hooks.reconnected?.(client, Date.now() - lostAt, this.attempts),
      (reason: Error) => {
        if (!this.closed) this.hooks.gaveUp?.(reason, this.offsetsMs.length);
      },
    );
  }

  /** Attempts 2..n of the backoff from `startMs` (all of them for a first connect). */
  private reconnect(startMs: number, firstError: unknown): Promise<pg.Client> {
    const attempt = async (): Promise<pg.Client> => {
      let lastError = firstError;
      for (let i = firstError === null ? 0 : 1; i < this.offsetsMs.length; i++) {
        const wait = startMs + this.offsetsMs[i]! - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        if (this.closed) throw new Error('the connection is closed');
        const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5_000 });
        try {
          await client.connect();
        } catch (error) {
          client.on('error', () => {});
          await client.end().catch(() => {});
          if (!isConnectionError(error)) throw error;
          lastError = error;
          continue;
        }
        this.generation++;
        const tag = this.generation;
        // A connection that drops between calls (the server stopped) is noticed at once, as a writer's socket is.
        client.on('error', (error) => this.lostConnection(tag, error));
        client.on('end', () => this.lostConnection(tag, new Error('the connection ended')));
        this.current = client;
        this.attempts = i + 1;
        return client;
      }
      const budget = this.offsetsMs[this.offsetsMs.length - 1]!;
      throw new Error(
        `PostgreSQL did not answer for ${budget} ms (${this.offsetsMs.length} attempts): ${(lastError as Error)?.message ?? lastError}`,
      );
    };
    const pending = attempt().then(
      (client) => {
        this.reconnecting = null;
        return client;
      },
      (error: Error) => {
        this.reconnecting = null;
        this.givenUp = error;
        throw error;
      },
    );
    this.reconnecting = pending;
    // Waiters get the rejection; this keeps an unawaited one from crashing the process.
    pending.catch(() => {});
    return pending;
  }
}

/**
 * Whether an error says the connection is gone rather than the statement wrong: pg's own
 * `Connection terminated` and `not queryable`, a system error code (ECONNREFUSED, ECONNRESET), or a
 * SQLSTATE of class 08 (connection exception) or 57P (the server shut down, crashed or is starting).
 */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string')
    return /Connection terminated|not queryable|connection ended|timeout expired/i.test(
      (error as Error)?.message ?? '',
    );
  return code.startsWith('E') || code.startsWith('08') || code.startsWith('57P');
}
