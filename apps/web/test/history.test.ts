import { describe, expect, it } from 'vitest';
import { checkpointHistory, durationSummary, matchTxn, transactions } from '../src/explain/history';
import { runPreset } from './sim';

describe('checkpoint history and transaction inspector', () => {
  it('crash-before-notify on checkpoint 3: the history shows 3 completed and restored from, its transactions committed on recovery', () => {
    const { events } = runPreset('lease-expiry', 'EXACTLY_ONCE', {
      restart: { attempts: 1, delayMs: 100, heartbeatTimeoutMs: 50_000 },
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
});
