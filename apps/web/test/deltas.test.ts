import { type MetricsBucket, presetScenario, type SimEvent } from '@eolab/engine';
import type { RunDelta, RunSnapshot } from '@eolab/protocol';
import { beforeEach, describe, expect, it, vi } from 'vitest';

/** The server as the sync layer sees it: every `run:watch` is answered with the next snapshot. */
const sent: string[] = [];
let nextSnapshot: RunSnapshot | null = null;
vi.mock('../src/api/socket', () => ({
  send: (event: string) => {
    sent.push(event);
    return Promise.resolve(nextSnapshot);
  },
}));
/** The REST half: `GET /api/runs/:id`, which a run's end asks for (its report is not pushed). */
const fetched: string[] = [];
vi.mock('../src/api/rest', () => ({
  getRun: (runId: string) => {
    fetched.push(runId);
    return Promise.resolve(nextSnapshot);
  },
}));

const { applySnapshot, flushDeltas, receiveDelta } = await import('../src/sync/run-sync');
const { useStore } = await import('../src/state/store');

const bucket = (t: number, n: number): MetricsBucket => ({
  t,
  emitted: n,
  written: n,
  committed: n,
  read: n,
  duplicates: 0,
  openTxns: 0,
  latencyP50Ms: 1,
  latencyP99Ms: 2,
  latencyMaxMs: 2,
});
const completed = (checkpointId: number, t: number): SimEvent =>
  ({ kind: 'checkpoint-completed', t, checkpointId, position: checkpointId * 10, durationMs: 3 }) as SimEvent;

/** A snapshot holding `events`, numbered 0..n-1 in the run's sequence. */
function snapshot(nowMs: number, buckets: MetricsBucket[], events: SimEvent[]): RunSnapshot {
  return {
    protocolVersion: 2,
    run: { id: 'r1', state: 'running', verdict: null },
    scenario: presetScenario('seed', 'EXACTLY_ONCE'),
    faultTimeline: [],
    speed: '10x',
    nowMs,
    totals: null,
    bucketMs: 10,
    layoutVersion: 0,
    buckets,
    events,
    eventsDropped: 0,
    eventCursor: events.length,
    report: null,
  } as unknown as RunSnapshot;
}

/** A delta whose events are numbered from `firstNumber` on. */
function delta(
  seq: number,
  fromBucket: number,
  buckets: MetricsBucket[],
  events: SimEvent[],
  firstNumber = 2,
): RunDelta {
  const nowMs = buckets.at(-1)?.t ?? 0;
  return {
    runId: 'r1',
    seq,
    state: 'running',
    speed: '10x',
    nowMs,
    totals: null,
    bucketMs: 10,
    layoutVersion: 0,
    fromBucket,
    buckets,
    events,
    eventNumbers: events.map((_, i) => firstNumber + i),
    eventsDropped: 0,
    outcome: null,
    sentAt: 0,
  } as unknown as RunDelta;
}

describe('deltas after a snapshot', () => {
  beforeEach(() => {
    sent.length = 0;
    fetched.length = 0;
    applySnapshot(
      snapshot(20, [bucket(0, 1), bucket(10, 1), bucket(20, 1)], [completed(1, 10), completed(2, 20)]),
    );
  });

  it('replaces buckets from fromBucket on and sums the series again', () => {
    receiveDelta(delta(5, 2, [bucket(20, 3), bucket(30, 4)], []));
    flushDeltas();
    const { buckets, series } = useStore.getState();
    expect(buckets.map((b) => b.emitted)).toEqual([1, 1, 3, 4]);
    expect(series.at(-1)!.read).toBe(9);
  });

  it('leaves out the events the snapshot already held, by their number in the run', () => {
    // The delta gathered event 1 (checkpoint 2) before the snapshot was taken, and event 2 after.
    receiveDelta(delta(5, 2, [bucket(20, 1)], [completed(2, 20), completed(3, 30)], 1));
    flushDeltas();
    expect(useStore.getState().events.map((e) => (e as { checkpointId: number }).checkpointId)).toEqual([
      1, 2, 3,
    ]);
  });

  it('takes a fresh snapshot when a delta went missing', async () => {
    receiveDelta(delta(5, 2, [bucket(20, 1)], []));
    nextSnapshot = snapshot(
      40,
      [bucket(0, 1), bucket(10, 1), bucket(20, 1), bucket(30, 1), bucket(40, 7)],
      [],
    );
    receiveDelta(delta(7, 4, [bucket(40, 7)], []));
    expect(sent).toContain('run:watch');
    await vi.waitFor(() => expect(useStore.getState().nowMs).toBe(40));
    expect(useStore.getState().buckets.at(-1)!.emitted).toBe(7);
  });

  it('takes a fresh snapshot when buckets would leave a hole', async () => {
    nextSnapshot = snapshot(50, [bucket(0, 2)], []);
    receiveDelta(delta(5, 6, [bucket(60, 1)], []));
    expect(sent).toContain('run:watch');
    await vi.waitFor(() => expect(useStore.getState().buckets.map((b) => b.emitted)).toEqual([2]));
  });

  it('at the last delta, shows its outcome at once and fetches the full report once over REST, keeping the scrubbed time and speed', async () => {
    useStore.setState({ scrubMs: 10, runSpeed: '100x' });
    const report = { verdict: 'EXACTLY_ONCE', counts: { read: 3 } };
    nextSnapshot = {
      ...snapshot(30, [bucket(0, 1), bucket(10, 1), bucket(20, 1), bucket(30, 1)], [completed(1, 10)]),
      run: { id: 'r1', state: 'finished', verdict: 'EXACTLY_ONCE' },
      report,
      // What the server says of a stored run: it does not record the speed the run went at.
      speed: '10x',
    } as unknown as RunSnapshot;
    const last = {
      ...delta(5, 3, [bucket(30, 1)], []),
      state: 'finished',
      speed: '100x',
      outcome: { verdict: 'EXACTLY_ONCE', finished: true, counts: { read: 3 } },
    } as unknown as RunDelta;
    receiveDelta(last);
    flushDeltas();
    expect(useStore.getState().run).toMatchObject({ state: 'finished', verdict: 'EXACTLY_ONCE' });
    expect(fetched).toEqual(['r1']);
    await vi.waitFor(() => expect(useStore.getState().report).toEqual(report));
    expect(useStore.getState().scrubMs).toBe(10);
    expect(useStore.getState().runSpeed).toBe('100x');
    expect(sent).not.toContain('run:watch');
  });
});
