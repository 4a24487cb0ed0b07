/**
 * The engine benchmark: a 10,000,000-event EXACTLY_ONCE run (sink parallelism 2, a checkpoint
 * every 100 ms of virtual time, a failure every 100,000 events), timed in wall-clock seconds beside
 * a baseline measured in the same process: a plain loop that writes N integers to a typed array
 * and counts them in another. Prints events per second for both, their ratio, and peak memory.
 *
 *   npm run bench                 (10,000,000 events)
 *   npm run bench -- 1000000      (another size)
 */
import { parseScenario, Simulation } from '../src/index';

const numEvents = Number(process.argv[2] ?? 10_000_000);
const failureEvery = 100_000;

function baseline(n: number): number {
  const written = new Int32Array(n);
  const seen = new Uint8Array(n + 1);
  for (let i = 0; i < n; i++) written[i] = i + 1;
  let counted = 0;
  for (let i = 0; i < n; i++) {
    const v = written[i]!;
    if (seen[v] === 0) counted++;
    seen[v] = 1;
  }
  return counted;
}

function scenario() {
  const failures = Math.floor(numEvents / failureEvery) - 1;
  const faults = Array.from({ length: Math.max(failures, 0) }, (_, i) => ({
    kind: 'mapper-exception' as const,
    // Events come every 1 ms once the throttle is over, so one failure every 100,000 events.
    atMs: (i + 1) * failureEvery + 37,
  }));
  const parsed = parseScenario({
    name: 'bench',
    mode: 'EXACTLY_ONCE',
    numEvents,
    source: { throttleUntilPosition: 1 },
    checkpoint: { intervalMs: 100 },
    sink: { parallelism: 2 },
    restart: { attempts: Math.min(100, faults.length + 1) },
    faults,
  });
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return parsed.value;
}

let peakRss = 0;
const sampleMemory = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};

globalThis.gc?.();
const rssBefore = process.memoryUsage().rss;

/**
 * The baseline's time, five runs before the simulation and five after: the machine is shared, and
 * a load that comes or goes during the simulation then shows in both. The median of the ten.
 */
const baselineTimes: number[] = [];
const timeBaseline = () => {
  for (let i = 0; i < 5; i++) {
    const b0 = performance.now();
    if (baseline(numEvents) !== numEvents) throw new Error('baseline miscounted');
    baselineTimes.push((performance.now() - b0) / 1000);
  }
  globalThis.gc?.();
};
timeBaseline();

const s = scenario();
const t0 = performance.now();
const sim = new Simulation(s);
let protocolEvents = 0;
sim.on(() => {
  protocolEvents++;
});
// Advance in slices, as a server would, sampling memory between them.
for (let t = 0; !sim.done; t += 250_000) {
  sim.advanceTo(t);
  sampleMemory();
}
const report = sim.report();
const seconds = (performance.now() - t0) / 1000;
sampleMemory();
timeBaseline();
baselineTimes.sort((a, b) => a - b);
const baselineSeconds = (baselineTimes[4]! + baselineTimes[5]!) / 2;

const rate = report.counts.emitted / seconds;
const baselineRate = numEvents / baselineSeconds;
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
console.log(
  `engine benchmark: ${numEvents.toLocaleString('en')} events, EXACTLY_ONCE, parallelism 2, checkpoint 100 ms`,
);
console.log(
  `  verdict ${report.verdict}, finished ${report.finished}, restores ${report.restores.length}, checkpoints ${report.checkpoints.completed}, transactions ${report.transactions.committed} committed`,
);
console.log(
  `  simulated events (incl. replays) ${report.counts.emitted.toLocaleString('en')}, protocol events ${protocolEvents.toLocaleString('en')}, virtual ${(report.durationMs / 1000).toFixed(0)} s`,
);
console.log(`  simulation: ${seconds.toFixed(2)} s wall, ${(rate / 1e6).toFixed(2)} M events/s`);
console.log(
  `  baseline:   ${baselineSeconds.toFixed(3)} s wall, ${(baselineRate / 1e6).toFixed(1)} M events/s (typed-array write + count; median of 5 runs before and 5 after)`,
);
console.log(
  `  ratio:      simulation runs at ${((rate / baselineRate) * 100).toFixed(1)}% of the baseline (1/${(baselineRate / rate).toFixed(1)})`,
);
console.log(`  memory:     peak RSS ${mb(peakRss)} MB (process start ${mb(rssBefore)} MB)`);
// Issue 12's target: a quarter of the baseline measured in the same run, and peak RSS < 200 MB.
const ok = rate >= baselineRate / 4 && peakRss < 200 * 1024 * 1024 && report.verdict === 'EXACTLY_ONCE';
console.log(`  target (>= 1/4 of the baseline, peak RSS < 200 MB, EXACTLY_ONCE): ${ok ? 'met' : 'NOT met'}`);
