/**
 * What a run's whole record of checkpoints and transactions (src/facts) costs on a long run: the
 * model run to its end with a listener as a live run has one, once without the record and once
 * with it (each in its own process, for a clean peak RSS). Prints wall time, peak RSS, the heap
 * after a full collection, the record's own bytes and its stored size, and that its counts equal
 * the report's.
 *
 *   npx tsx --conditions=development --expose-gc bench/facts-memory.ts 20000000 with
 *   npx tsx --conditions=development --expose-gc bench/facts-memory.ts 20000000 without
 */
import { parseScenario, Simulation } from '@eolab/engine';
import { RunFacts } from '../src/runs/facts/run-facts';

const numEvents = Number(process.argv[2] ?? 20_000_000);
const withFacts = process.argv[3] !== 'without';

const parsed = parseScenario({ mode: 'EXACTLY_ONCE', numEvents });
if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
const scenario = parsed.value;

let peakRss = 0;
const sample = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};
globalThis.gc?.();
const started = performance.now();
const sim = new Simulation(scenario, { bucketMs: 1_000, maxBuckets: 300 });
const facts = withFacts ? RunFacts.forScenario(scenario) : null;
let events = 0;
sim.on((e) => {
  events++;
  facts?.observe(e);
});
for (let t = 10_000; !sim.done; t += 10_000) {
  sim.advanceTo(t);
  sample();
}
const report = sim.report();
const seconds = (performance.now() - started) / 1000;
sample();
globalThis.gc?.();
const heapMb = process.memoryUsage().heapUsed / 2 ** 20;
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
console.log(
  `${numEvents} events, ${events} protocol events, ${report.checkpoints.triggered} checkpoints, ${report.transactions.begun} transactions`,
);
console.log(
  `${withFacts ? 'with' : 'without'} the record: ${seconds.toFixed(1)} s, peak RSS ${mb(peakRss)}, heap after GC ${heapMb.toFixed(1)} MB`,
);
if (facts !== null) {
  facts.settle(report);
  const t0 = performance.now();
  const blob = facts.encode();
  const t1 = performance.now();
  const again = RunFacts.decode(blob)!;
  const t2 = performance.now();
  const page = again.checkpointsPage({ offset: 0, limit: 50, order: 'newest' }, null);
  const { triggered, completed, aborted, failed } = page.counts;
  const same =
    JSON.stringify({ triggered, completed, aborted, failed }) === JSON.stringify(report.checkpoints);
  console.log(
    `record: ${mb(facts.bytes)} in columns, ${mb(blob.byteLength)} stored (encode ${(t1 - t0).toFixed(0)} ms, decode ${(t2 - t1).toFixed(0)} ms); its own checkpoint counts ${same ? 'equal' : 'DIFFER FROM'} the report's: ${JSON.stringify(page.counts)}`,
  );
}
