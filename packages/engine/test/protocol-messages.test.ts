import { describe, expect, it } from 'vitest';
import {
  laneOf,
  laneOrder,
  type ProtocolMessage,
  ProtocolTracer,
  presetScenario,
  type WriterMode,
} from '../src/index';
import { run } from './helpers';

function messagesOf(preset: string, mode: WriterMode): ProtocolMessage[] {
  const s = presetScenario(preset, mode)!;
  const tracer = new ProtocolTracer(s.sink.parallelism);
  return run(s).events.flatMap((e) => tracer.push(e));
}

const find = (ms: ProtocolMessage[], where: Partial<ProtocolMessage>) =>
  ms.filter((m) => Object.entries(where).every(([k, v]) => m[k as keyof ProtocolMessage] === v));

describe('the protocol as messages between actors', () => {
  const seed = messagesOf('seed', 'EXACTLY_ONCE');
  const bySeq = (seq: number | null) => seed.find((m) => m.seq === seq)!;

  it("shows checkpoint 1's barrier reaching both sink subtasks, their acks, the notification and both commits", () => {
    const barriers = find(seed, { kind: 'barrier', checkpointId: 1 });
    expect(barriers.map((m) => [m.from, m.to])).toEqual([
      ['source·a1', 'sink-0·a1'],
      ['source·a1', 'sink-1·a1'],
    ]);
    const trigger = find(seed, { kind: 'trigger', checkpointId: 1 })[0]!;
    for (const b of barriers) {
      expect(b.answers).toBe(trigger.seq);
      expect(b.receivedMs).toBeGreaterThan(b.sentMs);
    }
    // Each sink's ack answers its pre-commit, which answers the barrier that started it.
    for (const sink of ['sink-0·a1', 'sink-1·a1']) {
      const ack = find(seed, { kind: 'ack', checkpointId: 1, from: sink })[0]!;
      const preCommit = bySeq(ack.answers);
      expect(preCommit).toMatchObject({ kind: 'pre-commit', from: sink, to: 'store', checkpointId: 1 });
      expect(bySeq(preCommit.answers)).toMatchObject({ kind: 'barrier', to: sink });
      const notify = find(seed, { kind: 'notify', checkpointId: 1, to: sink })[0]!;
      expect(bySeq(notify.answers)).toMatchObject({ kind: 'complete', checkpointId: 1 });
      const commit = find(seed, { kind: 'commit', checkpointId: 1, from: sink })[0]!;
      expect(commit.answers).toBe(notify.seq);
      expect(find(seed, { kind: 'merge', answers: commit.seq })).toHaveLength(1);
    }
  });

  it('then the failure at element 26, the aborts of the open transactions and the restore from checkpoint 1', () => {
    const failure = find(seed, { kind: 'failure' });
    expect(failure).toHaveLength(1);
    expect(failure[0]!.note).toContain('26');
    const aborts = find(seed, { kind: 'txn-abort', note: 'task-closed' });
    expect(aborts.map((m) => m.from)).toEqual(['sink-0·a1', 'sink-1·a1']);
    const restores = find(seed, { kind: 'restore' });
    expect(restores.map((m) => m.to)).toEqual(['source·a2', 'sink-0·a2', 'sink-1·a2']);
    expect(restores.every((m) => m.checkpointId === 1 && m.answers === failure[0]!.seq)).toBe(true);
  });

  it('numbers messages in order and sends none before it is received', () => {
    expect(seed.map((m) => m.seq)).toEqual(seed.map((_, i) => i));
    for (const m of seed) expect(m.sentMs).toBeLessThanOrEqual(m.receivedMs);
    for (const m of seed) if (m.answers !== null) expect(m.answers).toBeLessThan(m.seq);
  });

  it('lease-expiry: the pings stop with the failed attempt and the controller aborts the transactions', () => {
    const ms = messagesOf('lease-expiry', 'EXACTLY_ONCE');
    const failure = find(ms, { kind: 'failure' })[0]!;
    const expiries = find(ms, { kind: 'expire' });
    expect(expiries.length).toBeGreaterThan(0);
    for (const expiry of expiries) {
      expect(expiry.from).toBe('controller');
      const pings = find(ms, { kind: 'ping', txnId: expiry.txnId });
      // No ping for it after the failure; the lease ran out well after its last one.
      expect(pings.every((p) => p.receivedMs <= failure.receivedMs)).toBe(true);
    }
    const commitsFailed = find(ms, { kind: 'commit-failed' });
    expect(commitsFailed.map((m) => m.note)).toEqual(['not-open: ABORTED', 'not-open: ABORTED']);
    expect(commitsFailed.every((m) => ms[m.answers!]!.kind === 'restore')).toBe(true);
  });

  it("zombie-writer: the old attempt's writes after the failover, and what the store did with them", () => {
    for (const [mode, fate] of [
      ['ATLEAST_ONCE', 'the store made them visible'],
      ['EXACTLY_ONCE', 'no read_committed reader sees them'],
    ] as const) {
      const ms = messagesOf('zombie-writer', mode);
      const zombie = find(ms, { kind: 'zombie' });
      expect(zombie.map((m) => m.from)).toEqual(['sink-0·a1', 'sink-1·a1']);
      for (const z of zombie) {
        expect(z.note).toMatch(/wrote values \d+\.\.\d+ after the failover/);
        expect(z.note).toContain(fate);
        expect(ms[z.answers!]!.kind).toBe('failure');
        expect(z.receivedMs).toBeGreaterThan(z.sentMs);
      }
    }
  });

  it('orders lanes: coordinator, each attempt’s tasks, controller, store, checker', () => {
    const lanes = [
      'checker',
      'sink-1·a2',
      'store',
      'source·a1',
      'controller',
      'sink-0·a1',
      'coordinator',
      'source·a2',
    ];
    expect(lanes.sort(laneOrder)).toEqual([
      'coordinator',
      'source·a1',
      'sink-0·a1',
      'source·a2',
      'sink-1·a2',
      'controller',
      'store',
      'checker',
    ]);
    expect(laneOf('sink-3·a12')).toEqual({ key: 'sink-3·a12', role: 'sink', attempt: 12, subtask: 3 });
  });
});

describe('the protocol on Kafka', () => {
  it("a fenced zombie's transactions are aborted by the coordinator at the restore, then the zombie's sends stop", () => {
    const ms = messagesOf('kafka-zombie-fenced', 'EXACTLY_ONCE');
    const fenced = find(ms, { kind: 'txn-abort', note: 'fenced' });
    expect(fenced.length).toBe(2);
    expect(fenced.every((m) => m.from === 'controller' && m.to === 'store' && m.sentMs === 500)).toBe(true);
  });
});
