import type { SweepDetail, SweepSummary } from '@eolab/protocol';

/**
 * Where the Sweeps page's sweeps are kept. Two implementations, as for run history
 * (store/run-history.ts): files under this server's data directory (file-sweep-store.ts), the
 * default; and PostgreSQL shared by every server of a cluster (pg-sweep-store.ts), with
 * EOLAB_DATABASE_URL, so that any server lists a sweep, opens its link and can cancel it.
 *
 * The store keeps what the sweep manager tells it: a sweep when it starts, its progress now and
 * then, its end with its result. The sweep itself runs on the server that started it (its owner).
 */
export interface SweepStore {
  /** Newest first: the running sweep (if any) and the newest KEPT_SWEEPS that ended. */
  list(): Promise<SweepSummary[]>;
  /** The sweep with its result (null while it runs), and the server running it; null: no such sweep. */
  get(id: string): Promise<StoredSweep | null>;
  /**
   * Stores a sweep that starts, unless another is running where this store is shared (one at a
   * time): then that one is answered and nothing is stored.
   */
  claim(summary: SweepSummary): Promise<RunningElsewhere | null>;
  /** A running sweep's progress (`done`, its fleet's workers): written in the background, latest wins. */
  progress(summary: SweepSummary): void;
  /** A sweep's end: its summary and result, written before the caller tells anyone it ended. */
  finish(detail: SweepDetail): Promise<void>;
  /**
   * Running sweeps whose server is gone (it stopped stamping the cluster's heartbeat), now marked
   * failed with an error naming that server; each is answered to the one server that marked it.
   */
  failOrphans(): Promise<SweepSummary[]>;
  close(): void;
}

/** A stored sweep and the server that runs or ran it (null: this server, where sweeps are its own). */
export interface StoredSweep {
  detail: SweepDetail;
  owner: string | null;
}

/** The sweep that holds the one-at-a-time slot, and its server (null: this one). */
export interface RunningElsewhere {
  id: string;
  owner: string | null;
}

/** Ended sweeps kept (the newest); older ones are deleted as each new one ends. */
export const KEPT_SWEEPS = 50;
