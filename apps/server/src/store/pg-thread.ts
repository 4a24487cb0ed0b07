import { createRequire } from 'node:module';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';

/**
 * PostgreSQL on a worker thread, so that the run history keeps the synchronous reads the run
 * manager and the routes are written against (the same interface as SQLite's): a read posts its
 * statements and blocks this thread on a shared int until the worker answers (a round trip of a
 * millisecond or two on a LAN), bounded by a timeout; a write is a promise. Statements run on one
 * connection, one batch at a time, in the order they were given, so a read sees every write given
 * before it. A dropped connection is opened again for the next batch.
 */

/** One statement with its positional parameters ($1, $2, ...). */
export interface PgStep {
  sql: string;
  params: unknown[];
}

export interface PgResult {
  rowCount: number;
  rows: Record<string, unknown>[];
}

/** PostgreSQL's refusal, with its SQLSTATE when it gave one (connection problems have none). */
export class PgError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

type Reply =
  | { id: number; ok: true; results: PgResult[] }
  | { id: number; ok: false; message: string; code?: string };

/** The worker: plain JavaScript (the compiled server is one bundle, and tests run TypeScript). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const pg = require(workerData.driver);
const signal = new Int32Array(workerData.signal);
const syncPort = workerData.port;
let client = null;
let chain = Promise.resolve();
async function connected() {
  if (client !== null) return client;
  const c = new pg.Client({ connectionString: workerData.url, connectionTimeoutMillis: workerData.connectMs });
  c.on('error', () => { if (client === c) client = null; });
  c.on('end', () => { if (client === c) client = null; });
  await c.connect();
  client = c;
  return c;
}
// A Uint8Array posted here is bound as bytea only as a Buffer.
const bindable = (v) => (v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v);
async function run(steps, transaction) {
  const c = await connected();
  if (transaction) await c.query('BEGIN');
  try {
    const results = [];
    for (const s of steps) {
      const r = await c.query(s.sql, s.params.map(bindable));
      results.push({ rowCount: r.rowCount ?? 0, rows: r.rows });
    }
    if (transaction) await c.query('COMMIT');
    return results;
  } catch (error) {
    if (transaction) await c.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
function answer(message, reply) {
  const out = (body) => {
    if (message.sync) {
      syncPort.postMessage(body);
      Atomics.store(signal, 0, 1);
      Atomics.notify(signal, 0);
    } else parentPort.postMessage(body);
  };
  const next = chain.then(() => run(message.steps, message.transaction));
  chain = next.catch(() => {});
  next.then(
    (results) => out({ id: message.id, ok: true, results }),
    (error) => out({ id: message.id, ok: false, message: String((error && error.message) || error), code: error && error.code }),
  );
}
parentPort.on('message', (message) => {
  if (message.close) {
    chain.then(() => (client === null ? undefined : client.end())).finally(() => parentPort.close());
    return;
  }
  answer(message);
});
`;

export class PgThread {
  private readonly worker: Worker;
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private readonly syncPort: MessagePort;
  private readonly waiting = new Map<number, (reply: Reply) => void>();
  private nextId = 0;

  constructor(
    url: string,
    private readonly syncTimeoutMs: number,
  ) {
    const channel = new MessageChannel();
    this.syncPort = channel.port1;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        url,
        driver: createRequire(import.meta.url).resolve('pg'),
        signal: this.signal.buffer,
        port: channel.port2,
        connectMs: syncTimeoutMs,
      },
      transferList: [channel.port2],
    });
    this.worker.on('message', (reply: Reply) => {
      this.waiting.get(reply.id)?.(reply);
      this.waiting.delete(reply.id);
    });
    this.worker.on('error', (error) => {
      for (const settle of this.waiting.values()) settle({ id: -1, ok: false, message: error.message });
      this.waiting.clear();
    });
    // The worker must not keep a server that is done from exiting.
    this.worker.unref();
  }

  /** Runs `steps` (in one transaction when asked) and waits for them here; a PgError when refused or late. */
  runSync(steps: PgStep[], transaction = false): PgResult[] {
    const id = this.nextId++;
    Atomics.store(this.signal, 0, 0);
    this.worker.postMessage({ id, steps, transaction, sync: true });
    const deadline = performance.now() + this.syncTimeoutMs;
    for (;;) {
      const left = deadline - performance.now();
      if (left <= 0 || Atomics.wait(this.signal, 0, 0, left) === 'timed-out')
        throw new PgError(`PostgreSQL did not answer within ${this.syncTimeoutMs} ms`, undefined);
      Atomics.store(this.signal, 0, 0);
      // Answers to earlier reads that timed out are passed over.
      for (
        let m = receiveMessageOnPort(this.syncPort);
        m !== undefined;
        m = receiveMessageOnPort(this.syncPort)
      ) {
        const reply = m.message as Reply;
        if (reply.id !== id) continue;
        if (reply.ok) return reply.results;
        throw new PgError(reply.message, reply.code);
      }
    }
  }

  /** Runs `steps` (in one transaction when asked) in their turn; rejects with a PgError when refused. */
  run(steps: PgStep[], transaction = false): Promise<PgResult[]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (reply) =>
        reply.ok ? resolve(reply.results) : reject(new PgError(reply.message, reply.code)),
      );
      this.worker.postMessage({ id, steps, transaction, sync: false });
    });
  }

  /** Ends the connection after the statements already given, then the thread. */
  close(): void {
    this.worker.postMessage({ close: true });
    this.syncPort.close();
  }
}
