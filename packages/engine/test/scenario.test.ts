import { describe, expect, it } from 'vitest';
import { parseScenario, parseScenarioText } from '../src/index';

function errorsOf(input: unknown): string[] {
  const parsed = parseScenario(input);
  return parsed.ok ? [] : parsed.errors;
}

describe('scenario file', () => {
  it('needs only mode and numEvents; everything else takes the sample defaults', () => {
    const parsed = parseScenario({ mode: 'EXACTLY_ONCE', numEvents: 50 });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value.source.throttleUntilPosition).toBe(16);
    expect(parsed.value.checkpoint.intervalMs).toBe(100);
    expect(parsed.value.sink).toMatchObject({ parallelism: 2, txnLeaseMs: 30_000 });
    expect(parsed.value.restart).toEqual({
      attempts: 1,
      delayMs: 0,
      heartbeatIntervalMs: 10_000,
      heartbeatTimeoutMs: 50_000,
    });
    expect(parsed.value.checkpoint.tolerableFailures).toBe(0);
    expect(parsed.value.sink.controllerRetry).toEqual({
      attempts: 10,
      initialBackoffMs: 1,
      backoffMultiple: 10,
      maxBackoffMs: 20_000,
    });
    expect(parsed.value.faults).toEqual([]);
  });

  it.each([
    [{ numEvents: 50 }, 'mode:'],
    [{ mode: 'EXACTLY_ONCE', numEvents: '50' }, 'numEvents:'],
    [{ mode: 'SOMETIMES', numEvents: 50 }, 'mode:'],
    [
      { mode: 'EXACTLY_ONCE', numEvents: 50, sink: { parallelsm: 2 } },
      'sink: Unrecognized key: "parallelsm"',
    ],
    [{ mode: 'EXACTLY_ONCE', numEvents: 50, typo: 1 }, '(root): Unrecognized key: "typo"'],
    [{ mode: 'EXACTLY_ONCE', numEvents: 50, faults: [{ kind: 'store-outage', atMs: 5 }] }, 'faults[0]'],
    [
      { mode: 'EXACTLY_ONCE', numEvents: 50, faults: [{ kind: 'meteor', atMs: 5 }] },
      'faults[0]: expected a fault with kind one of',
    ],
    [
      { mode: 'EXACTLY_ONCE', numEvents: 50, faults: [{ kind: 'mapper-exception' }] },
      'faults[0]: mapper-exception needs exactly one of atElement or atMs',
    ],
    [
      { mode: 'EXACTLY_ONCE', numEvents: 50, checkpoint: { intervalMs: 0 } },
      "checkpoint.intervalMs: intervalMs must be at least 10 ms (Flink's MINIMAL_CHECKPOINT_TIME)",
    ],
    [
      { mode: 'EXACTLY_ONCE', numEvents: 50, checkpoint: { intervalMs: 9 } },
      "checkpoint.intervalMs: intervalMs must be at least 10 ms (Flink's MINIMAL_CHECKPOINT_TIME)",
    ],
    [
      { mode: 'EXACTLY_ONCE', numEvents: 50, checkpoint: { timeoutMs: 5 } },
      "checkpoint.timeoutMs: timeoutMs must be at least 10 ms (Flink's MINIMAL_CHECKPOINT_TIME)",
    ],
    [
      { mode: 'EXACTLY_ONCE', numEvents: 50, source: { throttleUntilPosition: 0 } },
      'source.throttleUntilPosition: must be at least 1',
    ],
    [
      { mode: 'EXACTLY_ONCE', numEvents: 10, source: { throttleUntilPosition: 11 } },
      'source.throttleUntilPosition: must be at most numEvents',
    ],
    [
      { mode: 'EXACTLY_ONCE', numEvents: 50, sink: { txnLeaseMs: 9_999 } },
      'sink.txnLeaseMs: must be at least 10000 ms: the Pravega client refuses',
    ],
    [
      { mode: 'EXACTLY_ONCE', numEvents: 50, sink: { txnLeaseMs: 600_001 } },
      'sink.txnLeaseMs: must be at most 600000 ms: the Pravega controller caps',
    ],
    [
      { mode: 'EXACTLY_ONCE', numEvents: 50, faults: [{ kind: 'notify-lost', checkpoint: 2, target: 2 }] },
      'faults[0].target: sink subtask 2 does not exist',
    ],
    [
      {
        mode: 'EXACTLY_ONCE',
        numEvents: 50,
        faults: [{ kind: 'notify-lost', checkpoint: 2, target: 'sink' }],
      },
      'faults[0]',
    ],
    [
      {
        mode: 'EXACTLY_ONCE',
        numEvents: 50,
        faults: [{ kind: 'commit-rejected', checkpoint: 2, subtask: 3 }],
      },
      'faults[0].subtask: sink subtask 3 does not exist',
    ],
    [
      { mode: 'EXACTLY_ONCE', numEvents: 50, sink: { controllerRetry: { attempts: 0 } } },
      'sink.controllerRetry.attempts',
    ],
  ])('rejects %j with an error naming the field', (input, expected) => {
    const errors = errorsOf(input);
    expect(errors.join('\n')).toContain(expected);
  });

  it('reports broken JSON as an error, not a crash', () => {
    const parsed = parseScenarioText('{ "mode": ');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.errors[0]).toMatch(/^\(root\): not valid JSON/);
  });
});
