import { describe, expect, it } from 'vitest';
import {
  FAULT_CATALOGUE,
  FAULT_KINDS,
  type Fault,
  type FaultKind,
  faultEntry,
  isCheckpointFaultKind,
  Narrator,
  narrate,
  PRESETS,
  presetScenario,
  type Scenario,
  type Sentence,
  type SimEvent,
  Simulation,
  valuesPhrase,
  WRITER_MODES,
  type WriterMode,
} from '../src/index';
import { run } from './helpers';

function preset(id: string, mode: WriterMode, change: Partial<Scenario> = {}): Scenario {
  const s = presetScenario(id, mode);
  if (s === undefined) throw new Error(`no preset ${id}`);
  return { ...s, ...change };
}

function story(s: Scenario): {
  sentences: Sentence[];
  texts: string[];
  events: SimEvent[];
  report: ReturnType<typeof run>['report'];
} {
  const { events, report } = run(s);
  const sentences = narrate(events, { mode: s.mode, parallelism: s.sink.parallelism });
  return { sentences, texts: sentences.map((x) => x.text), events, report };
}

const summaries = (sentences: Sentence[]) => sentences.filter((s) => s.summary !== undefined);

describe('a checkpoint a fault touched is told on its own, never summed up', () => {
  it('source-does-not-wait: checkpoint 11 is out of the summary, and its uncommitted transactions are told with their values', () => {
    const { sentences, texts, report } = story(preset('source-does-not-wait', 'EXACTLY_ONCE'));
    expect(texts).toContain('Checkpoints 4–10 completed and their transactions committed as usual.');
    for (const s of summaries(sentences)) expect(s.summary!.to).toBeLessThan(11);
    expect(texts).toContain(
      'Checkpoint 11 completed at position 1000: sink 0 and sink 1 never heard that it completed. Its transactions cp11·s0 and cp11·s1 (values 914–1000) were pre-committed and never committed.',
    );
    expect(report.counts.missing).toBe(1000 - 913);
  });

  it('notify-lost: checkpoint 3 gets its fault sentence with its values, then its late commit', () => {
    const { texts } = story(preset('notify-lost', 'EXACTLY_ONCE'));
    expect(texts).toContain(
      "Fault: checkpoint 3 completed, but its completion notification to every task is lost; the job keeps running. Transactions cp3·s0 and cp3·s1 (values 118–217) stay pre-committed until a later checkpoint's notification commits them.",
    );
    expect(texts).toContain(
      "Checkpoint 3's transactions cp3·s0 and cp3·s1 committed at last, with checkpoint 4's notification: values 118–217 are now visible.",
    );
    expect(texts.join('\n')).not.toMatch(/Checkpoint K/);
  });

  it('crash-before-notify: the completed checkpoint is committed on recovery and told so', () => {
    const s = preset('lease-expiry', 'EXACTLY_ONCE', {
      restart: { attempts: 1, delayMs: 100, heartbeatIntervalMs: 10_000, heartbeatTimeoutMs: 50_000 },
    });
    const { texts } = story(s);
    expect(texts).toContainEqual(
      expect.stringMatching(
        /^Checkpoint 3's transactions cp3·s0 and cp3·s1 committed on recovery: .*: values 118–217 are now visible\.$/,
      ),
    );
  });

  it('crash-during-commit: sink 0 committed, sink 1 is left for the restore, and both are told', () => {
    const s = preset('notify-lost', 'EXACTLY_ONCE', {
      faults: [{ kind: 'crash-during-commit', checkpoint: 5 }],
    });
    const { sentences, texts } = story(s);
    for (const x of summaries(sentences)) expect(5 >= x.summary!.from && 5 <= x.summary!.to).toBe(false);
    expect(texts).toContain(
      'Fault: checkpoint 5: sink 0 sent its commit, and the job fails before the others do. Transaction cp5·s0 (values 318–416, every 2nd) is committed by that call. Transaction cp5·s1 (values 319–417, every 2nd) is left for the restore to commit (recoverAndCommit).',
    );
    expect(texts).toContainEqual(
      expect.stringMatching(
        /^Checkpoint 5's transaction cp5·s1 committed on recovery: .*values 319–417 \(every 2nd\) are now visible\.$/,
      ),
    );
  });

  it('commit-rejected: the rejected transaction is lost with its values; its twin commits on time, not "at last"', () => {
    const { texts } = story(preset('commit-rejected', 'EXACTLY_ONCE'));
    expect(texts).toContain(
      "The store rejected transaction cp3·s0's commit (TxnFailedException): logged and dropped, never retried; its values 118–216 (every 2nd) are lost.",
    );
    expect(texts).toContain(
      "Checkpoint 3's transaction cp3·s1 committed: values 119–217 (every 2nd) are now visible.",
    );
  });

  it('pause-beyond-lease: the late commit that finds an expired transaction names the values lost', () => {
    const { texts } = story(preset('pause-beyond-lease', 'EXACTLY_ONCE'));
    expect(texts).toContain(
      'Transaction cp3·s1 was ABORTED when its commit got through: the connector only logs it, and its values 119–217 (every 2nd) are lost.',
    );
  });

  it('names each writer mode’s own step for quiet checkpoints: only exactly-once commits', () => {
    const alo = story(preset('source-does-not-wait', 'ATLEAST_ONCE')).texts.join('\n');
    expect(alo).toMatch(
      /Checkpoints 4–10 completed as usual: at each the sinks flushed and waited for every write's acknowledgement \(plain writes: nothing to commit\)\./,
    );
    expect(alo).not.toMatch(/committed/);
    const be = story(preset('source-does-not-wait', 'BEST_EFFORT')).texts.join('\n');
    expect(be).toMatch(/completed as usual: best effort neither flushes nor waits for acknowledgements/);
    expect(be).not.toMatch(/committed/);
  });
});

describe('sentences say exactly what happened', () => {
  it('end-of-input: told in time order, one checkpoint in the singular', () => {
    const { sentences, texts } = story(preset('end-of-input', 'EXACTLY_ONCE'));
    expect(sentences.map((s) => s.t)).toEqual([...sentences.map((s) => s.t)].sort((a, b) => a - b));
    expect(texts).toContain('Checkpoint 4 completed and its transactions committed as usual.');
    expect(texts.join('\n')).not.toMatch(/Checkpoints 4 |its 1 values/);
  });

  it('a failure aimed by time counts only the values that reached the sinks: the duplicates exactly', () => {
    const s = preset('live-demo', 'ATLEAST_ONCE', { faults: [{ kind: 'mapper-exception', atMs: 2003 }] });
    const { texts, report } = story(s);
    const told = texts.find((t) => t.includes('were already written'));
    const [, from, to] = /Values (\d+)–(\d+) were already written/.exec(told ?? '') ?? [];
    expect(Number(from)).toBe(report.duplicates[0]);
    expect(Number(to)).toBe(report.duplicates.at(-1));
    expect(Number(to) - Number(from) + 1).toBe(report.counts.duplicates);
  });

  it('values pre-committed for a checkpoint that never completes are not called open', () => {
    const s = preset('notify-lost', 'EXACTLY_ONCE', {
      faults: [{ kind: 'crash-after-precommit', checkpoint: 5 }],
    });
    const failure = story(s).texts.find((t) => t.includes('the job fails over'));
    expect(failure).toContain(
      'Values 318–417 sat in transactions cp5·s0 and cp5·s1, pre-committed for checkpoint 5, which never completes. Values 418–419 sat in open transactions: they are aborted.',
    );
  });

  it('a zombie writer is a lost TaskManager whose tasks keep writing, not a crash', () => {
    const texts = story(preset('zombie-writer', 'ATLEAST_ONCE')).texts;
    expect(texts).toContainEqual(
      expect.stringMatching(
        /^The TaskManager is lost: attempt 1's tasks are not stopped and keep writing for 200 ms \(a zombie\); the job fails over\./,
      ),
    );
    expect(texts.join('\n')).not.toMatch(/The job crashes/);
  });

  it('duplicates are told with the times the checker read them', () => {
    const texts = story(preset('seed', 'ATLEAST_ONCE')).texts;
    expect(texts).toContain(
      'Checker: 8 values read a second time, at 115–122 ms (17, 18, 19, 20, 21, 22, 23, 24).',
    );
  });

  it("a subtask's transaction holds every p-th value, and says so", () => {
    const texts = story(preset('source-does-not-wait', 'EXACTLY_ONCE')).texts;
    expect(texts).toContain('Transaction cp1·s0 committed: values 1–19 (every 2nd) are now visible.');
    expect(valuesPhrase({ first: 5, last: 5, count: 1 })).toBe('value 5');
    expect(valuesPhrase({ first: 1, last: 40, count: 12 })).toBe('12 values between 1 and 40');
    expect(valuesPhrase({ first: null, last: null, count: 3 })).toBe('3 values');
  });

  it('a real run ends after its milliseconds, not in virtual time', () => {
    const { events } = run(preset('seed', 'EXACTLY_ONCE'));
    const real = narrate(events, { mode: 'EXACTLY_ONCE', parallelism: 2, realTime: true });
    expect(real.at(-1)!.text).toBe('Run ended after 309 ms: 3 checkpoints completed.');
  });
});

describe('the narrator is a fold', () => {
  it('tells for good in time order as events come, and ends with what the whole list tells', () => {
    const s = preset('lease-expiry', 'EXACTLY_ONCE');
    const { events } = run(s);
    const narrator = new Narrator({ mode: s.mode, parallelism: s.sink.parallelism });
    let before: Sentence[] = [];
    for (const [i, e] of events.entries()) {
      narrator.tell(e);
      if (i % 50 === 0) {
        // What was told stays told: each step only appends.
        expect(narrator.told.slice(0, before.length)).toEqual(before);
        before = [...narrator.told];
      }
    }
    narrator.finish();
    expect(narrator.told).toEqual(narrate(events, { mode: s.mode, parallelism: 2 }));
    expect(narrator.pending()).toEqual([]);
  });

  it('counts the checkpoints the report counts', () => {
    const s = preset('live-demo', 'EXACTLY_ONCE');
    const { sentences, report } = story(s);
    expect(sentences.at(-1)!.text).toMatch(
      new RegExp(`: ${report.checkpoints.completed} checkpoints completed\\.$`),
    );
  });
});

/** Checkpoints something went wrong with, from the events alone. */
function touchedCheckpoints(events: SimEvent[], parallelism: number): Set<number> {
  const touched = new Set<number>();
  const checkpointOf = new Map<number, number>();
  const notified = new Map<number, number>();
  const completed: number[] = [];
  for (const e of events) {
    if (e.kind === 'txn-flushed') checkpointOf.set(e.txnId, e.checkpointId);
    else if (e.kind === 'fault-fired' && e.checkpointId !== null) touched.add(e.checkpointId);
    else if (e.kind === 'checkpoint-aborted') touched.add(e.checkpointId);
    else if (e.kind === 'txn-commit-failed') touched.add(e.checkpointId);
    else if (e.kind === 'txn-committing' && e.recovery) touched.add(e.checkpointId);
    else if ((e.kind === 'txn-expired' || e.kind === 'txn-aborted') && checkpointOf.has(e.txnId))
      touched.add(checkpointOf.get(e.txnId)!);
    else if (e.kind === 'checkpoint-completed') completed.push(e.checkpointId);
    else if (e.kind === 'checkpoint-notified')
      notified.set(e.checkpointId, (notified.get(e.checkpointId) ?? 0) + 1);
  }
  for (const id of completed) if ((notified.get(id) ?? 0) < parallelism + 1) touched.add(id);
  return touched;
}

/** Aims a fault of each kind where it fires in these small scenarios. */
function faultOf(kind: FaultKind): Fault {
  // Each kind's own entry aims it: at 150 ms, or at checkpoint 2, lasting 100 ms.
  const where =
    FAULT_CATALOGUE[kind].targeting === 'checkpoint' ? { atMs: 150, checkpoint: 2 } : { atMs: 150 };
  const run = { mode: 'EXACTLY_ONCE', parallelism: 2, restarting: false } as const;
  return faultEntry(kind).aim({ kind, durationMs: 100 }, where, run, (reason) => {
    throw new Error(reason);
  });
}

describe('every preset × writer mode × fault kind', () => {
  const presets = PRESETS.map((p) => p.id);
  const kinds = FAULT_KINDS;
  const modes = WRITER_MODES;

  it('never sums up a touched checkpoint, tells in time order, and counts what the report counts', () => {
    let combos = 0;
    for (const id of presets)
      for (const mode of modes)
        for (const kind of kinds) {
          const base = preset(id, mode);
          // live-demo is long; a tenth of it has the same protocol steps.
          const s = {
            ...base,
            numEvents: Math.min(base.numEvents, 2_000),
            faults: [...base.faults, faultOf(kind)],
          };
          const { events, report } = run(s);
          const where = `${id} ${mode} ${kind}`;
          // A rejected commit needs a commit: plain writes have none. A checkpoint fault needs a
          // checkpoint: Kafka's exactly-once sink with a timeout above the broker's never starts.
          const neverRuns = id === 'kafka-timeout-above-max' && mode === 'EXACTLY_ONCE';
          const fires =
            !(kind === 'commit-rejected' && mode !== 'EXACTLY_ONCE') &&
            !(neverRuns && isCheckpointFaultKind(kind));
          expect(
            events.some((e) => e.kind === 'fault-fired' && e.faultKind === kind),
            where,
          ).toBe(fires);
          const sentences = narrate(events, { mode, parallelism: s.sink.parallelism });
          const touched = touchedCheckpoints(events, s.sink.parallelism);
          for (const x of summaries(sentences))
            for (let k = x.summary!.from; k <= x.summary!.to; k++)
              expect(touched.has(k), `${where}: ${x.text}`).toBe(false);
          // ...and each touched checkpoint is named in a sentence of its own.
          const told = sentences.map((x) => x.text.toLowerCase()).join('\n');
          for (const k of touched)
            expect(told, `${where}: checkpoint ${k}`).toMatch(new RegExp(`checkpoint ${k}\\b|cp${k}·`));
          // No placeholder left in, no number at odds with its noun.
          expect(told, where).not.toMatch(/checkpoint k\b|\b1 values|checkpoints \d+ completed|its 1 /);
          const times = sentences.map((x) => x.t);
          expect(times, where).toEqual([...times].sort((a, b) => a - b));
          const { completed, aborted } = report.checkpoints;
          const counted = `${completed.toLocaleString('en')} checkpoint${completed === 1 ? '' : 's'} completed${aborted > 0 ? `, ${aborted} aborted` : ''}.`;
          expect(sentences.at(-1)!.text, where).toMatch(new RegExp(`: ${counted}$`));
          combos++;
        }
    expect(combos).toBe(presets.length * modes.length * kinds.length);
  });
});

describe('a run a person stopped', () => {
  it('ends on a sentence that says so, and leaves nothing in flight judged as hanging', () => {
    const scenario = preset('live-demo', 'EXACTLY_ONCE');
    const sim = new Simulation(scenario);
    const events: SimEvent[] = [];
    sim.on((e) => events.push(e));
    sim.advanceTo(1_000);
    sim.stop();
    const texts = narrate(events, {
      mode: 'EXACTLY_ONCE',
      parallelism: scenario.sink.parallelism,
      realTime: false,
    }).map((s) => s.text);
    const completed = events.filter((e) => e.kind === 'checkpoint-completed').length;
    expect(texts.at(-1)).toBe(
      `Run stopped by you at 1,000 ms of virtual time: ${completed} checkpoints completed. The checker judges only what it read so far; whether values were lost is not judged.`,
    );
    expect(texts.join('\n')).not.toMatch(/never committed|Run ended/);
  });
});

describe('a job that failed for good', () => {
  it('tells values it lost apart from values its source never emitted', () => {
    const scenario = preset('seed', 'ATLEAST_ONCE', {
      restart: { attempts: 0, delayMs: 0, heartbeatIntervalMs: 10_000, heartbeatTimeoutMs: 50_000 },
    });
    const { texts, report } = story(scenario);
    const { lost, neverEmitted } = report.counts;
    expect(lost).toBeGreaterThan(0);
    expect(neverEmitted).toBeGreaterThan(0);
    expect(texts).toContain(
      `Checker: ${lost} ${lost === 1 ? 'value' : 'values'} emitted and never made visible (25); ${neverEmitted} values never emitted (${51 - neverEmitted}–50): the job failed for good before its source reached them, an incomplete output, not a loss.`,
    );
    expect(texts.join('\n')).not.toContain('never arrived');
  });
});
