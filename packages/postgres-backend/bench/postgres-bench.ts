/**
 * The real backend's benchmark: one EXACTLY_ONCE job against our own PostgreSQL (no faults,
 * 10,000 events unless told, the source at its fastest: one event per ms, the schema's floor),
 * beside the model on the same scenario, with baselines measured on the same server in the same run:
 *
 * - committed rows/s: the real job's committed rows over its duration (job start to end), and the
 *   model's committed rows per virtual second by the same definition. Baselines: the same server
 *   taking the same inserts with no job around them (autocommit, pipelined on one connection, as
 *   the ATLEAST_ONCE sink sends them; and one prepared transaction per subtask, PREPARE then
 *   COMMIT PREPARED, as EXACTLY_ONCE commits them), which says how far the job is from the store's
 *   own limit.
 * - the engine's wall-clock speed on the same scenario (simulated events per wall-clock second).
 * - Kafka on PostgreSQL: the same job with `system: kafka` (each record an eolab_kafka_produce
 *   call that locks its transactional id's row and checks the epoch, a transaction ending with
 *   markers), beside its own baseline: the same calls with no job around them, pipelined on one
 *   connection per subtask, then EndTxn.
 * - PostgreSQL's memory: the sum of VmRSS of the postmaster and its children, sampled from /proc
 *   every 50 ms; baseline: the same sum idle, right after the server started. (A shared buffer
 *   page touched by several processes counts in each: the sum is an upper bound.)
 *
 * (Run with --no-deprecation: the baseline queues its inserts on one connection as the sinks do,
 * which pg 8 warns about; see the README.)
 *
 *   npm run bench:postgres              (10,000 events)
 *   npm run bench:postgres -- 30000     (another size)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parseScenario, type Scenario, Simulation } from '@eolab/engine';
import pg from 'pg';
import { runOnPostgres, startPostgres } from '../src/index';
import { endTxn, ensureKafkaSchema, initProducerId } from '../src/postgres/kafka-schema';

const numEvents = Number(process.argv[2] ?? 10_000);
if (!Number.isInteger(numEvents) || numEvents < 100)
  throw new Error('the event count must be an integer >= 100');

function scenario(system: 'pravega' | 'kafka' = 'pravega'): Scenario {
  const parsed = parseScenario({
    version: 1,
    name: 'bench-postgres',
    ...(system === 'kafka' ? { system } : {}),
    mode: 'EXACTLY_ONCE',
    numEvents,
    source: { throttleUntilPosition: 1, eventIntervalMs: 1 },
    checkpoint: { intervalMs: 100 },
    sink: { parallelism: 2 },
  });
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return parsed.value;
}

/** VmRSS (kB) of the PostgreSQL listening on `port` and of its children, from /proc. */
function postgresRssKb(port: number): { kb: number; processes: number } {
  const stat = new Map<number, { ppid: number; cmd: string }>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(fields.slice(fields.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      stat.set(pid, { ppid, cmd });
    } catch {
      // Gone meanwhile.
    }
  }
  const postmaster = [...stat].find(
    ([, p]) => /\/postgres\s/.test(p.cmd) && p.cmd.includes(` -p ${port} `),
  )?.[0];
  if (postmaster === undefined) return { kb: 0, processes: 0 };
  const ours = [postmaster, ...[...stat].filter(([, p]) => p.ppid === postmaster).map(([pid]) => pid)];
  let kb = 0;
  for (const pid of ours) {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      kb += Number(match?.[1] ?? 0);
    } catch {
      // Gone meanwhile.
    }
  }
  return { kb, processes: ours.length };
}

const INSERT =
  'INSERT INTO eolab_events (run, value, subtask, attempt, txn, emitted_at) VALUES ($1, $2, $3, $4, $5, $6)';

/** The same inserts with no job around them: autocommit, all sent at once on one connection. */
async function plainInserts(url: string, n: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: n }, (_, i) => client.query(INSERT, ['bench-plain', i + 1, 0, 1, null, 0])),
  );
  const seconds = (performance.now() - t0) / 1000;
  await client.end();
  return n / seconds;
}

/** One prepared transaction per subtask (two connections), then COMMIT PREPARED of each. */
async function preparedInserts(url: string, n: number): Promise<number> {
  const clients = [new pg.Client({ connectionString: url }), new pg.Client({ connectionString: url })];
  await Promise.all(clients.map((c) => c.connect()));
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (client, s) => {
      const gid = `bench-prepared-s${s}`;
      const sent = [client.query('BEGIN')];
      for (let i = s; i < n; i += clients.length)
        sent.push(client.query(INSERT, ['bench-prepared', i + 1, s, 1, gid, 0]));
      sent.push(client.query(`PREPARE TRANSACTION '${gid}'`));
      await Promise.all(sent);
      await client.query(`COMMIT PREPARED '${gid}'`);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(clients.map((c) => c.end()));
  return n / seconds;
}

/** Kafka's sends with no job around them: InitProducerId, the records pipelined per subtask, EndTxn. */
async function kafkaSends(url: string, n: number): Promise<number> {
  const clients = [new pg.Client({ connectionString: url }), new pg.Client({ connectionString: url })];
  await Promise.all(clients.map((c) => c.connect()));
  await ensureKafkaSchema(clients[0]!);
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (client, s) => {
      const { epoch } = await initProducerId(client, 'bench-kafka', s, 60_000, 900_000);
      const sent = [];
      for (let i = s; i < n; i += clients.length)
        sent.push(
          client.query('SELECT eolab_kafka_produce($1, $2, $3, 0, $4, $5, 1, 0, false)', [
            'bench-kafka',
            s,
            epoch,
            i + 1,
            s,
          ]),
        );
      await Promise.all(sent);
      await endTxn(client, 'bench-kafka', s, epoch, true);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(clients.map((c) => c.end()));
  return n / seconds;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (kb: number) => (kb / 1024).toFixed(1);

const s = scenario();
const server = await startPostgres();
try {
  const port = Number(new URL(server.url).port);
  const idle = postgresRssKb(port);

  // The model: the same scenario in virtual time, and the engine's wall-clock speed on it.
  const model = new Simulation(s).runToEnd();
  const runs = 20;
  const m0 = performance.now();
  for (let i = 0; i < runs; i++) new Simulation(s).runToEnd();
  const engineEventsPerS = (runs * numEvents) / ((performance.now() - m0) / 1000);

  let peak = idle;
  const sampler = setInterval(() => {
    const now = postgresRssKb(port);
    if (now.kb > peak.kb) peak = now;
  }, 50);
  const t0 = performance.now();
  const real = await runOnPostgres(s, { server }).finally(() => clearInterval(sampler));
  const wallS = (performance.now() - t0) / 1000;
  if (real.verdict !== 'EXACTLY_ONCE' || !real.finished)
    throw new Error(`the real run did not finish exactly once: ${real.verdict}`);

  const plain = await plainInserts(server.url, numEvents);
  const prepared = await preparedInserts(server.url, numEvents);
  const kafka = await runOnPostgres(scenario('kafka'), { server });
  if (kafka.verdict !== 'EXACTLY_ONCE' || !kafka.finished)
    throw new Error(`the real Kafka run did not finish exactly once: ${kafka.verdict}`);
  const kafkaBaseline = await kafkaSends(server.url, numEvents);
  const kafkaRate = kafka.counts.committed / (kafka.durationMs / 1000);

  const realRate = real.counts.committed / (real.durationMs / 1000);
  const modelRate = model.counts.committed / (model.durationMs / 1000);
  console.log(
    `${server.version.split(' on ')[0]} (${server.kind}); EXACTLY_ONCE, ${fmt(numEvents)} events, sink parallelism 2, a checkpoint every 100 ms, the source at 1 event/ms`,
  );
  console.log(
    `real backend     ${fmt(realRate).padStart(9)} committed rows/s   (job ${(real.durationMs / 1000).toFixed(2)} s, ${real.checkpoints.completed} checkpoints, ${real.transactions.committed} transactions committed; ${wallS.toFixed(1)} s with start and check)`,
  );
  console.log(
    `model            ${fmt(modelRate).padStart(9)} committed rows per virtual second   (job ${(model.durationMs / 1000).toFixed(2)} virtual s, ${model.checkpoints.completed} checkpoints)`,
  );
  console.log(`  real / model   ${(realRate / modelRate).toFixed(2)}`);
  console.log(
    `engine           ${fmt(engineEventsPerS).padStart(9)} simulated events per wall-clock second   (${runs} runs of the same scenario; ${fmt(engineEventsPerS / realRate)}x the real job)`,
  );
  console.log('baseline, the same server without the job:');
  console.log(
    `  plain inserts  ${fmt(plain).padStart(9)} rows/s   (autocommit, one connection; real job / baseline ${(realRate / plain).toFixed(2)})`,
  );
  console.log(
    `  prepared txns  ${fmt(prepared).padStart(9)} rows/s   (one transaction per subtask, PREPARE + COMMIT PREPARED; real job / baseline ${(realRate / prepared).toFixed(2)})`,
  );
  console.log(
    `Kafka on PostgreSQL ${fmt(kafkaRate).padStart(6)} committed rows/s   (the same job with system kafka: ${(kafka.durationMs / 1000).toFixed(2)} s, ${kafka.checkpoints.completed} checkpoints, ${kafka.transactions.committed} transactions committed; Kafka / Pravega ${(kafkaRate / realRate).toFixed(2)})`,
  );
  console.log(
    `  Kafka sends    ${fmt(kafkaBaseline).padStart(9)} rows/s   (eolab_kafka_produce pipelined per subtask, then EndTxn, no job; real Kafka job / baseline ${(kafkaRate / kafkaBaseline).toFixed(2)})`,
  );
  console.log(
    `PostgreSQL memory: peak ${mb(peak.kb)} MB RSS summed over ${peak.processes} processes during the job; baseline idle after start ${mb(idle.kb)} MB over ${idle.processes} processes (peak / baseline ${(peak.kb / Math.max(1, idle.kb)).toFixed(2)})`,
  );
} finally {
  await server.stop();
}
