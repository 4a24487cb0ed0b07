import {
  PRESETS,
  parseScenario,
  presetScenario,
  type Scenario,
  Simulation,
  WRITER_MODES,
} from '@eolab/engine';
import { checkpointsQuerySchema, transactionsQuerySchema } from '@eolab/protocol';
import { describe, expect, it } from 'vitest';
import { RunFacts } from '../src/runs/facts/run-facts';

/** Runs the model to its end with a record fed every event, as a live run feeds it. */
function record(scenario: Scenario) {
  const sim = new Simulation(scenario);
  const facts = RunFacts.forScenario(scenario);
  sim.on((e) => facts.observe(e));
  const report = sim.runToEnd();
  return { facts, report };
}

const scenarioOf = (input: object): Scenario => {
  const parsed = parseScenario(input);
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.value;
};

describe('run facts', () => {
  it.each(PRESETS.flatMap((p) => WRITER_MODES.map((mode) => [p.id, mode] as const)))(
    'count what the report counts, on their own: preset %s in %s',
    (id, mode) => {
      const { facts, report } = record(presetScenario(id, mode)!);
      facts.settle(report);
      const cp = facts.checkpoints.counts();
      expect({
        triggered: cp.triggered,
        completed: cp.completed,
        aborted: cp.aborted,
        failed: cp.failed,
      }).toEqual(report.checkpoints);
      expect(cp.restores).toBe(report.restores.filter((r) => r.checkpointId !== null).length);
      const txn = facts.transactions.counts();
      const { preCommitted: _p, committing: _c, ...asReport } = txn;
      expect(asReport).toEqual(report.transactions);
      expect(facts.transactions.total).toBe(report.transactions.begun);
    },
  );

  it("Kafka's transactions: no lease, and why they ended in Kafka's words (timed out, fenced)", () => {
    const timedOut = record(presetScenario('kafka-restart-past-timeout')!);
    const page = timedOut.facts.transactionsPage(
      transactionsQuerySchema.parse({ checkpoint: 3, limit: 10 }),
      timedOut.report,
    );
    expect(page.items.map((t) => t.why)).toEqual(['timed out', 'timed out']);
    expect(page.items.every((t) => t.leaseDeadlineMs === null)).toBe(true);
    const fenced = record(presetScenario('kafka-zombie-fenced')!);
    const zombie = fenced.facts.transactionsPage(
      transactionsQuerySchema.parse({ checkpoint: 5, limit: 10 }),
      fenced.report,
    );
    expect(zombie.items.filter((t) => t.attempt === 1).map((t) => t.why)).toEqual(['fenced', 'fenced']);
  });

  it('pages newest first, with every checkpoint of a long run', () => {
    const { facts, report } = record(scenarioOf({ mode: 'EXACTLY_ONCE', numEvents: 300_000 }));
    expect(report.checkpoints.completed).toBeGreaterThan(100);
    const first = facts.checkpointsPage(checkpointsQuerySchema.parse({ limit: 10 }), report);
    expect(first.total).toBe(report.checkpoints.triggered);
    expect(first.items.map((c) => c.id)).toEqual(
      Array.from({ length: 10 }, (_, i) => report.checkpoints.triggered - i),
    );
    const oldest = facts.checkpointsPage(checkpointsQuerySchema.parse({ order: 'oldest', limit: 1 }), report);
    expect(oldest.items[0]).toMatchObject({ id: 1, tasks: 3 });
    const all = facts.checkpointsPage(checkpointsQuerySchema.parse({ limit: 200, offset: 0 }), report);
    expect(all.items.every((c) => c.status === 'completed' || c.status === 'abandoned')).toBe(true);
    const txns = facts.transactionsPage(transactionsQuerySchema.parse({ checkpoint: 5 }), report);
    expect(txns.items.map((t) => t.name).sort()).toEqual(['cp5·s0', 'cp5·s1']);
    expect(txns.items.every((t) => t.state === 'COMMITTED' && t.events > 0)).toBe(true);
  });

  it.each([
    ['live-demo', 'EXACTLY_ONCE'],
    ['lease-expiry', 'EXACTLY_ONCE'],
    ['notify-lost', 'EXACTLY_ONCE'],
    ['zombie-writer', 'ATLEAST_ONCE'],
    ['commit-rejected', 'EXACTLY_ONCE'],
    ['pause-beyond-lease', 'EXACTLY_ONCE'],
  ] as const)(
    'as it stood at a moment: %s in %s, scrubbed back, counts what the run had counted by then',
    (id, mode) => {
      const scenario = presetScenario(id, mode)!;
      const { facts: whole, report } = record(scenario);
      for (const fraction of [0.1, 0.35, 0.6, 0.9]) {
        const atMs = Math.floor(report.durationMs * fraction);
        // The same run, stopped at that moment: what its record held then.
        const sim = new Simulation(scenario);
        const then = RunFacts.forScenario(scenario);
        sim.on((e) => then.observe(e));
        sim.advanceTo(atMs);
        const query = { offset: 0, limit: 200, order: 'oldest', atMs } as const;
        const past = whole.checkpointsPage(query, report);
        const live = then.checkpointsPage({ ...query, atMs: undefined }, null);
        expect(past.counts, `checkpoints at ${atMs} ms`).toEqual(live.counts);
        expect(past.durations).toEqual(live.durations);
        expect(past.items.map((c) => [c.id, c.status, c.endedMs])).toEqual(
          live.items.map((c) => [c.id, c.status, c.endedMs]),
        );
        const pastTxns = whole.transactionsPage(query, report);
        const liveTxns = then.transactionsPage({ ...query, atMs: undefined }, null);
        expect(pastTxns.counts, `transactions at ${atMs} ms`).toEqual(liveTxns.counts);
        expect(pastTxns.items.map((t) => [t.txnId, t.state, t.endedMs])).toEqual(
          liveTxns.items.map((t) => [t.txnId, t.state, t.endedMs]),
        );
      }
    },
  );

  it('comes back whole from its stored blob', () => {
    const { facts, report } = record(presetScenario('lease-expiry')!);
    const again = RunFacts.decode(facts.encode())!;
    const q = { offset: 0, limit: 200, order: 'oldest' } as const;
    expect(again.checkpointsPage(q, report)).toEqual(facts.checkpointsPage(q, report));
    expect(again.transactionsPage(q, null)).toEqual(facts.transactionsPage(q, null));
  });
});
