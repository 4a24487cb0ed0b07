import type { RunStore } from './db';

/**
 * What the server asks of its run history. Two implementations: SQLite in the data directory
 * (db.ts, with its writes on a thread in store-worker.ts), the default; and PostgreSQL shared by
 * every server of a cluster (pg-store.ts), with EOLAB_DATABASE_URL. Reads answer at once (the run
 * manager and the routes are synchronous); writes may be queued, and `settled` waits for them.
 */
export type RunHistory = Pick<
  RunStore,
  | 'markInterrupted'
  | 'failedRunsWithOlderReports'
  | 'insert'
  | 'save'
  | 'saveProgress'
  | 'setState'
  | 'stateOf'
  | 'get'
  | 'events'
  | 'facts'
  | 'deflateFacts'
  | 'list'
  | 'prune'
  | 'usage'
  | 'delete'
  | 'settled'
  | 'close'
>;
