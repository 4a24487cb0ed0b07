import { readFileSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Limits applied to connections before any handler sees them, so that one address cannot take the
 * server's file descriptors or its event loop: TCP connections per address (and in all, below the
 * process's file limit), WebSocket handshakes per minute per address, and wrong-token attempts per
 * minute per address. Everything here is synchronous: it runs inside `connection` events and
 * engine.io's `allowRequest`, where a promise would let the flood pile up meanwhile.
 */
export interface TransportLimitsConfig {
  /** Open TCP connections one address may hold (HTTP keep-alive and WebSockets together). */
  connectionsPerAddress: number;
  /** WebSocket handshakes one address may make per minute. */
  handshakesPerMinutePerAddress: number;
  /** Requests and sockets with a wrong token one address may send per minute; then it is refused a while. */
  wrongTokensPerMinutePerAddress: number;
}

/** File descriptors kept back from connections: SQLite, PostgreSQL's client sockets, task processes' pipes, logs. */
const FD_RESERVE = 512;
const MINUTE_MS = 60_000;

/**
 * Counts per key in fixed windows; the whole map is dropped when a window ends, so it holds at most
 * one window's keys (bounded by the connections that window saw).
 */
export class WindowCounter {
  private counts = new Map<string, number>();
  private windowStart: number;

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.windowStart = now();
  }

  /** Counts one for the key; false once the key has used up this window's allowance. */
  take(key: string): boolean {
    this.roll();
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    return n <= this.max;
  }

  /** True when the key has used up this window's allowance (without counting one). */
  exhausted(key: string): boolean {
    this.roll();
    return (this.counts.get(key) ?? 0) >= this.max;
  }

  /** Milliseconds until the current window ends. */
  get retryAfterMs(): number {
    return Math.max(0, this.windowStart + this.windowMs - this.now());
  }

  private roll(): void {
    const now = this.now();
    if (now - this.windowStart < this.windowMs) return;
    this.windowStart = now;
    this.counts = new Map();
  }
}

/** The process's soft limit on open files (Linux: /proc/self/limits), or null where unknown. */
export function openFileLimit(): number | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = Number(line?.split(/\s{2,}/)[1]);
    return Number.isSafeInteger(soft) && soft > 0 ? soft : null;
  } catch {
    return null;
  }
}

export class TransportLimits {
  private readonly open = new Map<string, number>();
  private readonly handshakes: WindowCounter;
  private readonly sockets: WindowCounter;
  private readonly wrongTokens: WindowCounter;
  /** Connections closed at once because their address held its allowance (health reports it). */
  refusedConnections = 0;

  constructor(readonly config: TransportLimitsConfig) {
    // The first N sockets a minute connect; the next N are refused with the reason (socket.io can
    // tell it); beyond that the handshake itself is refused, before socket.io sees it.
    this.handshakes = new WindowCounter(config.handshakesPerMinutePerAddress * 2, MINUTE_MS);
    this.sockets = new WindowCounter(config.handshakesPerMinutePerAddress, MINUTE_MS);
    this.wrongTokens = new WindowCounter(config.wrongTokensPerMinutePerAddress, MINUTE_MS);
  }

  /**
   * Counts the server's TCP connections per address and closes at once (no answer, no parsing) any
   * beyond the address's allowance; caps all connections below the file limit, so health and the
   * page keep their descriptors whatever one address does.
   */
  attach(http: HttpServer): void {
    const fileLimit = openFileLimit();
    if (fileLimit !== null) http.maxConnections = Math.max(64, fileLimit - FD_RESERVE);
    http.on('connection', (socket: Socket) => {
      const address = socket.remoteAddress ?? 'unknown';
      const held = this.open.get(address) ?? 0;
      if (held >= this.config.connectionsPerAddress) {
        this.refusedConnections++;
        socket.destroy();
        return;
      }
      this.open.set(address, held + 1);
      socket.once('close', () => {
        const left = (this.open.get(address) ?? 1) - 1;
        if (left <= 0) this.open.delete(address);
        else this.open.set(address, left);
      });
    });
  }

  /** Open connections from the address (tests and health). */
  connectionsOf(address: string): number {
    return this.open.get(address) ?? 0;
  }

  /** Null when the address may open another WebSocket now, else why not (engine.io's allowRequest). */
  handshakeRefusal(address: string): string | null {
    if (this.tokenLockedOut(address)) return this.lockedOutMessage();
    return this.handshakes.take(address) ? null : this.tooManySockets();
  }

  /** The same at socket.io's step, where the refusal reaches the client in words. */
  socketRefusal(address: string): string | null {
    return this.sockets.take(address) ? null : this.tooManySockets();
  }

  private tooManySockets(): string {
    return `too many connections: at most ${this.config.handshakesPerMinutePerAddress} per minute from one address`;
  }

  /** True while the address has used up its wrong-token attempts: every token it sends is refused unread. */
  tokenLockedOut(address: string): boolean {
    return this.wrongTokens.exhausted(address);
  }

  /** Counts a wrong or missing token from the address. */
  wrongToken(address: string): void {
    this.wrongTokens.take(address);
  }

  lockedOutMessage(): string {
    return `token: too many wrong tokens from this address (at most ${this.config.wrongTokensPerMinutePerAddress} per minute); try again in ${Math.ceil(this.wrongTokens.retryAfterMs / 1000)} s`;
  }

  get lockoutRetryAfterSeconds(): number {
    return Math.ceil(this.wrongTokens.retryAfterMs / 1000);
  }
}
