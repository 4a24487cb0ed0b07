/**
 * What "Find a value" costs: a run replayed with a value tracer attached, beside the same run
 * without one, alternated in one process (the machine is shared: a load that comes or goes shows in
 * both). The untraced run is the baseline; the traced one is what the server pays per lookup.
 *
 *   npm run bench:values -w @eolab/engine               (2,000,000 events: the server's replay limit)
 *   npm run bench:values -w @eolab/engine -- 500000     (another size)
 */
import { parseScenario, type Scenario, Simulation, ValueTrace, type WriterMode } from '../src/index';

const numEvents = Number(process.argv[2] ?? 2_000_000);

function scenario(mode: WriterMode): Scenario {
  const parsed = parseScenario({
    name: 'value-trace bench',
    mode,
    numEvents,
    source: { throttleUntilPosition: 1 },
    restart: { attempts: 3 },
    faults: [{ kind: 'mapper-exception', atMs: Math.floor(numEvents / 2) }],
  });
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return parsed.value;
}

function timed(s: Scenario, traced: boolean): number {
  const started = performance.now();
  const trace = traced
    ? new ValueTrace(Math.floor(numEvents / 2) - 10, Math.floor(numEvents / 2) + 10)
    : undefined;
  const sim = new Simulation(s, trace === undefined ? {} : { tracer: trace });
  if (trace !== undefined) sim.on(trace.observe);
  sim.runToEnd();
  return performance.now() - started;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

for (const mode of ['ATLEAST_ONCE', 'EXACTLY_ONCE'] as const) {
  const s = scenario(mode);
  const plain: number[] = [];
  const traced: number[] = [];
  timed(s, false); // warm-up
  for (let i = 0; i < 5; i++) {
    plain.push(timed(s, false));
    traced.push(timed(s, true));
  }
  const p = median(plain);
  const t = median(traced);
  console.log(
    `${mode} ${numEvents.toLocaleString('en')} events: untraced ${p.toFixed(0)} ms (baseline), traced (21 values, with an event listener) ${t.toFixed(0)} ms: ${(t / p).toFixed(2)}x; medians of 5, alternated`,
  );
}
