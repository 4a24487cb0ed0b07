import type { Logger } from 'pino';

/** Distinct messages remembered; beyond it the set starts over (a flood of new ones cannot grow memory). */
const MAX_REMEMBERED = 200;

/**
 * Errors a client caused (a malformed cookie, a bad handshake, a body that is not JSON): each
 * distinct one is logged once, as one line without a stack. They are the client's to fix, and a
 * client repeating one must not fill the log with stack traces.
 */
export class ClientErrorLog {
  private seen = new Set<string>();

  constructor(private readonly log: Logger) {}

  note(what: string, error: unknown): void {
    const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const key = `${what}: ${why}`;
    if (this.seen.has(key)) return;
    if (this.seen.size >= MAX_REMEMBERED) this.seen = new Set();
    this.seen.add(key);
    this.log.warn({ why }, `${what} (logged once)`);
  }
}
