/**
 * The task process: a child forked by the coordinator, running one attempt of the sample's job —
 * the source with its start/end markers and throttle, the failing mapper chained to it, and the
 * sink subtasks, each with its own PostgreSQL connection. It dies with the attempt: a failure
 * (the mapper's exception, a failed write) ends the process, and the coordinator restores the job
 * by forking a new one.
 */

import { END_MARKER, type Scenario, START_MARKER } from '@eolab/engine';
import type { FromTask, TaskConfig, TaskEvent, TaskFailedReason, ToTask } from '../coordinator/messages';
import { kafkaSinkFor } from './kafka-sink';
import { type SinkContext, type SinkSubtask, sinkFor } from './sinks';
import { Source } from './source';

const send = (message: FromTask) => process.send?.(message);

/** The system's sink: the Pravega writer's modes, or FlinkKafkaProducer's. */
function sinkOn(scenario: Scenario, subtask: number, ctx: SinkContext): SinkSubtask {
  return scenario.system === 'kafka'
    ? kafkaSinkFor(scenario, subtask, ctx)
    : sinkFor(scenario.mode, subtask, ctx);
}

/** The sample's FailingMapper: counts its attempt's elements and throws at the configured one. */
class ArtificialFailure extends Error {
  constructor(readonly element: number) {
    super(`Artificial failure at position ${element}`);
  }
}

let config: TaskConfig;
let source: Source;
let sinks: SinkSubtask[] = [];
let nextSubtask = 0;
let elementsSeen = 0;
let failNextElement = false;
let failing = false;
/** `emittedUpTo`: the highest value this attempt emitted (the source emits in order). */
const progress = { emitted: 0, written: 0, txnsBegun: 0, emittedUpTo: 0 };
let progressTimer: NodeJS.Timeout | null = null;

/** Milliseconds on the wall clock, sub-millisecond: comparable with the coordinator's. */
function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

function log(line: string): void {
  send({ type: 'log', line, atMs: Date.now() });
}

/** A protocol step for the coordinator's event stream (it stamps the job-relative time). */
function event(e: TaskEvent, gid?: string): void {
  send({ type: 'event', atMs: Date.now(), event: e, ...(gid === undefined ? {} : { gid }) });
}

function flushProgress(): void {
  send({ type: 'progress', ...progress });
}

async function init(c: TaskConfig): Promise<void> {
  config = c;
  const p = c.scenario.sink.parallelism;
  nextSubtask = c.firstSubtask;
  sinks = Array.from({ length: p }, (_, subtask) =>
    sinkOn(c.scenario, subtask, {
      run: c.run,
      url: c.url,
      attempt: c.attempt,
      writerRetry: c.scenario.sink.writerRetry,
      log,
      fail: (reason, detail) => fail(reason, detail, null),
      written: (value) => {
        if (value > 0) progress.written++;
      },
      txnBegun: () => progress.txnsBegun++,
      lost: (pending) => send({ type: 'txn-lost', subtask, pending, atMs: Date.now() }),
      event,
      nextCheckpointId: c.nextCheckpointId,
    }),
  );
  try {
    await Promise.all(sinks.map((sink, i) => sink.start(c.restore?.sinks[i] ?? (c.restore ? [] : null))));
  } catch (error) {
    fail('write-error', `the sink could not start: ${(error as Error).message}`, null);
    return;
  }
  source = new Source(c.scenario, c.restore?.position ?? null, { log, emit, finished }, wallClockMs);
  progressTimer = setInterval(flushProgress, 10);
  send({ type: 'ready' });
}

/** The sample's FailingMapper, chained to the source: counts its attempt's elements and throws at the configured one. */
function failingMapper(value: number): number {
  elementsSeen++;
  if (elementsSeen === config.failAtElement || failNextElement) {
    failNextElement = false;
    throw new ArtificialFailure(elementsSeen);
  }
  return value;
}

/** Source -> failing mapper -> rebalance partitioner -> a sink subtask. */
function emit(value: number): void {
  if (value > 0) {
    progress.emitted++;
    progress.emittedUpTo = value;
  } else if (value === START_MARKER || value === END_MARKER)
    event({
      kind: 'marker-emitted',
      marker: value === START_MARKER ? 'start' : 'end',
      attempt: config.attempt,
    });
  let mapped: number;
  try {
    mapped = failingMapper(value);
  } catch (error) {
    // What an operator throws fails the task, as Flink's task thread does with it.
    const element = error instanceof ArtificialFailure ? error.element : null;
    fail('artificial-exception', (error as Error).message, element);
    return;
  }
  sinks[nextSubtask]!.write(mapped, Date.now());
  nextSubtask = (nextSubtask + 1) % sinks.length;
  if (mapped === END_MARKER) flushProgress();
}

function finished(): void {
  send({ type: 'source-finished', atMs: Date.now() });
}

/**
 * The task fails: the coordinator hears why, the source stops, plain writes already sent still
 * land, open transactions are rolled back when their connections close, and the process exits.
 */
function fail(reason: TaskFailedReason, detail: string, element: number | null): void {
  if (failing) return;
  failing = true;
  source?.stop();
  flushProgress();
  send({ type: 'failed', reason, detail, element, position: source?.position ?? -1, atMs: Date.now() });
  void closeAndExit(1);
}

async function closeAndExit(code: number): Promise<void> {
  if (progressTimer !== null) clearInterval(progressTimer);
  await Promise.allSettled(sinks.map((s) => s.close(code === 0 ? 'end-of-input' : 'task-closed')));
  // The last counts must reach the coordinator before the process goes.
  await new Promise<void>((resolve) => {
    if (process.send === undefined || !process.connected) resolve();
    else process.send({ type: 'progress', ...progress } satisfies FromTask, () => resolve());
  });
  process.exit(code);
}

async function checkpoint(checkpointId: number): Promise<void> {
  // Elements due before the trigger go before the barrier, as in the model (the mapper may fail here).
  source.catchUp();
  if (failing) return;
  const position = source.snapshot(checkpointId);
  flushProgress();
  send({ type: 'ack', checkpointId, task: 'source', position });
  // The barrier follows every element already emitted: each sink handles it after their writes.
  await Promise.all(
    sinks.map(async (sink, task) => {
      event({ kind: 'checkpoint-barrier', checkpointId, task: `sink-${task}`, attempt: config.attempt });
      const state = await sink.barrier(checkpointId);
      if (failing) return;
      if ('declined' in state) send({ type: 'decline', checkpointId, task, why: state.declined });
      else send({ type: 'ack', checkpointId, task, pending: state });
    }),
  );
}

process.on('message', (message: ToTask) => {
  if (failing) return;
  switch (message.type) {
    case 'init':
      void init(message.config);
      break;
    case 'go':
      source.start(message.atMs);
      break;
    case 'trigger':
      void checkpoint(message.checkpointId).catch(() => {});
      break;
    case 'notify':
      source.catchUp();
      if (failing) return;
      if (message.source) source.notify(message.checkpointId);
      message.sinks.forEach((notified, i) => {
        if (notified) sinks[i]!.notify(message.checkpointId);
      });
      break;
    case 'fail-next-element':
      failNextElement = true;
      break;
    case 'freeze':
      // Everything due before the pause goes out first, as the model runs its data plane up to it.
      source.catchUp();
      source.pause();
      flushProgress();
      send({ type: 'frozen' });
      break;
    case 'thaw':
      source.resume(message.atMs);
      break;
    case 'finish':
      failing = true;
      source.stop();
      void closeAndExit(0);
      break;
  }
});

// The coordinator died: nothing can restore this attempt, so it ends.
process.on('disconnect', () => {
  if (!failing) process.exit(1);
});
