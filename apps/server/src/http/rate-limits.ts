import type { NextFunction, Request, Response } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Limits } from '../config';
import { RunError } from '../runs/run-error';

/** A client that keeps sending this many times its allowance after being refused is disconnected. */
const FLOOD_FACTOR = 10;

/**
 * Per-address and per-socket limits, so one client cannot stall the server or fill its disk:
 * REST requests per address, runs created per address (REST and socket together), and commands
 * per socket (every event a socket sends, unknown ones included). Connections and handshakes per
 * address are limited earlier, at the transport (transport-limits.ts).
 */
export class RateLimits {
  private readonly api: RateLimiterMemory;
  private readonly runs: RateLimiterMemory;
  private readonly commands: RateLimiterMemory;

  constructor(private readonly limits: Limits) {
    this.api = new RateLimiterMemory({ points: limits.apiRequestsPerSecondPerAddress, duration: 1 });
    this.runs = new RateLimiterMemory({ points: limits.runsPerMinutePerAddress, duration: 60 });
    this.commands = new RateLimiterMemory({ points: limits.socketCommandsPerSecond, duration: 1 });
  }

  /** Express middleware for /api; health checks pass free, so monitoring works while a client floods. */
  apiMiddleware() {
    return async (req: Request, res: Response, next: NextFunction) => {
      if (req.path === '/health') return next();
      const refused = await refusal(this.api, addressOf(req));
      if (refused === null) return next();
      res.setHeader('Retry-After', String(Math.ceil(refused.msBeforeNext / 1000)));
      res.status(429).json({
        error: `too many requests: at most ${this.limits.apiRequestsPerSecondPerAddress} per second from one address`,
      });
    };
  }

  /** Throws a 429 when the address has created its allowance of runs this minute. */
  async takeRun(address: string): Promise<void> {
    if ((await refusal(this.runs, address)) === null) return;
    throw new RunError(
      429,
      `too many runs created: at most ${this.limits.runsPerMinutePerAddress} per minute from one address`,
    );
  }

  /**
   * 'ok', 'refused' (answer with an error), or 'flooding' (far past the limit: disconnect). A
   * command that costs more (a snapshot) takes more of the socket's allowance.
   */
  async takeCommand(socketId: string, cost = 1): Promise<'ok' | 'refused' | 'flooding'> {
    const refused = await refusal(this.commands, socketId, cost);
    if (refused === null) return 'ok';
    return refused.consumedPoints > this.limits.socketCommandsPerSecond * FLOOD_FACTOR
      ? 'flooding'
      : 'refused';
  }

  get commandsPerSecond(): number {
    return this.limits.socketCommandsPerSecond;
  }
}

/** null when the point was granted, else the limiter's answer. */
async function refusal(limiter: RateLimiterMemory, key: string, points = 1): Promise<RateLimiterRes | null> {
  try {
    await limiter.consume(key, points);
    return null;
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return rejection;
    throw rejection;
  }
}

export function addressOf(req: { ip?: string; socket: { remoteAddress?: string } }): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
