import { presetScenario } from '@eolab/engine';
import { describe, expect, it } from 'vitest';
import {
  checkpointHistory,
  durationSummary,
  leaseLeft,
  matchTxn,
  transactions,
} from '../src/explain/history';
import { runPreset } from './sim';

describe('checkpoint history and transaction inspector', () => {
  it('crash-before-notify on checkpoint 3: the history shows 3 completed and restored from, its transactions committed on recovery', () => {
    const { events } = runPreset('lease-expiry', 'EXACTLY_ONCE', {
      restart: { attempts: 1, delayMs: 100, heartbeatIntervalMs: 10_000, heartbeatTimeoutMs: 50_000 },
    });
    const history = checkpointHistory(events, 2);
    const third = history.find((r) => r.id === 3)!;
    expect(third).toMatchObject({ status: 'completed', acknowledged: 3, tasks: 3, restoredBy: [2] });
    expect(durationSummary(history)!.count).toBe(history.filter((r) => r.status === 'completed').length);
    const ofThree = transactions(events).filter((t) => t.checkpointId === 3 && t.attempt === 1);
    expect(ofThree.map((t) => [t.name, t.state, t.recovery])).toEqual([
      ['cp3·s1', 'COMMITTED', true],
      ['cp3·s0', 'COMMITTED', true],
    ]);
  });

  it('finds transactions by checkpoint, by name and by store id', () => {
    const rows = transactions(runPreset('seed', 'EXACTLY_ONCE').events);
    expect(
      rows
        .filter((r) => matchTxn(r, '1'))
        .map((r) => r.name)
        .sort(),
    ).toContain('cp1·s0');
    expect(rows.filter((r) => matchTxn(r, 'cp2·s1')).every((r) => r.name.startsWith('cp2·s1'))).toBe(true);
    expect(rows.filter((r) => matchTxn(r, '#3')).map((r) => r.txnId)).toEqual([3]);
  });

  it('lease left: pings push the deadline on while the writer lives; after its failure the lease runs out where the controller expires it', () => {
    const { events, report } = runPreset('lease-expiry', 'EXACTLY_ONCE');
    expect(report.transactions.expired).toBeGreaterThan(0);
    const leaseMs = 10_000;
    const expired = events.find((e) => e.kind === 'txn-expired')!;
    const row = transactions(events, leaseMs).find((r) => 'txnId' in expired && r.txnId === expired.txnId)!;
    expect(row.state).toBe('EXPIRED');
    // The deadline the inspector counts down to is the moment the controller aborted it.
    expect(row.leaseDeadlineMs).toBe(expired.t);
    const before = events.filter((e) => e.t <= expired.t - 2_500);
    const then = transactions(before, leaseMs).find((r) => r.txnId === row.txnId)!;
    expect(leaseLeft(then, expired.t - 2_500)).toBe('2.5 s');
    expect(leaseLeft(row, expired.t)).toBe('—');

    // A transaction open longer than the ping interval (10 s lease: every 3,162 ms) is pinged on.
    const seed = presetScenario('seed', 'EXACTLY_ONCE')!;
    const slow = runPreset('seed', 'EXACTLY_ONCE', {
      sink: { ...seed.sink, txnLeaseMs: leaseMs },
      checkpoint: { ...seed.checkpoint, intervalMs: 8_000 },
    });
    const renewed = slow.events.filter((e) => e.kind === 'txn-lease-renewed');
    expect(renewed.length).toBeGreaterThan(0);
    const pinged = transactions(slow.events, leaseMs).find(
      (r) => 'txnId' in renewed[0]! && r.txnId === renewed[0].txnId,
    )!;
    expect(pinged.leaseDeadlineMs).toBeGreaterThan(pinged.openedMs! + leaseMs);
  });
});
