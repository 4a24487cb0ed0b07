import { preparedOfRun } from '../postgres/schema';
import type { Connection } from '../task/connection';
import { gidPrefix } from './messages';

/**
 * The Pravega controller's lease timers, for PostgreSQL: a transaction of the run prepared longer
 * than txnLeaseMs ago is rolled back. PostgreSQL itself never expires a prepared transaction; it
 * would hold its locks forever. (The lease counts from PREPARE: nothing here pings it.)
 */
export class LeaseReaper {
  /** gid -> when it was rolled back. */
  readonly expired = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  /** A round still running (waiting for the server to come back after an outage): the next one skips. */
  private busy = false;

  constructor(
    private readonly admin: Connection,
    private readonly run: string,
    private readonly leaseMs: number,
    private readonly log: (line: string) => void,
    /** A transaction rolled back for its lease (the job's event stream tells it). */
    private readonly onExpired: (gid: string, atMs: number) => void = () => {},
  ) {}

  start(): void {
    // Often enough that a lease is not overrun by more than a tenth of it (at most a second).
    this.timer = setInterval(() => void this.reap(), Math.min(1_000, Math.max(100, this.leaseMs / 10)));
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private async reap(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (const { gid, ageMs } of await this.admin.run((c) => preparedOfRun(c, gidPrefix(this.run)))) {
        if (ageMs < this.leaseMs || this.timer === null) continue;
        try {
          await this.admin.run((c) => c.query(`ROLLBACK PREPARED '${gid}'`));
          this.expired.set(gid, Date.now());
          this.onExpired(gid, Date.now());
          this.log(`Transaction ${gid} lease expired: the controller aborted it`);
        } catch {
          // Committed or rolled back meanwhile.
        }
      }
    } catch {
      // The connection is gone at the end of the run; the next round tries again.
    } finally {
      this.busy = false;
    }
  }
}
