import type { WriterMode } from '@eolab/engine';
import { PRESETS } from '@eolab/engine';
import { useState } from 'react';
import { compareModes } from '../actions/compare';
import { chooseMode, choosePreset } from '../actions/controls';
import { startRun } from '../actions/run';
import { useStore } from '../state/store';

const SEED = PRESETS.find((p) => p.id === 'seed')!;

/** Puts the seed in `mode` on the controls (so the sidebar says what runs) and starts it. */
async function runSeed(mode: WriterMode): Promise<string> {
  choosePreset('seed');
  chooseMode(mode);
  await startRun();
  return useStore.getState().runId!;
}

/**
 * Before any run: what the sample shows and the three steps that show it, each a button that
 * does it. Gone once a run is on screen (the checker's Compare modes takes it from there).
 */
export function FirstOpen() {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const connected = useStore((s) => s.connection === 'connected');
  const act = (step: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    step().catch((e: Error) => {
      setBusy(false);
      setError(e.message);
    });
  };
  const off = SEED.expected.ATLEAST_ONCE;
  const on = SEED.expected.EXACTLY_ONCE;
  return (
    <section className="panel first-open" aria-labelledby="first-open-title">
      <h2 id="first-open-title">What this lab shows</h2>
      <p>
        The Pravega + Flink exactly-once sample: a job writes the integers 1..50 to a stream, its mapper
        throws once at element 26, Flink restores the job from its last checkpoint (position 16), and a
        checker reads the stream looking for values that arrive twice. Whether they do depends on the sink's
        writer mode.
      </p>
      <ol className="first-steps">
        <li>
          <button
            type="button"
            disabled={!connected || busy}
            onClick={() => act(() => runSeed('ATLEAST_ONCE'))}
          >
            Run the sample with exactly-once off
          </button>{' '}
          <span>ATLEAST_ONCE: {off.note}</span>
        </li>
        <li>
          <button
            type="button"
            disabled={!connected || busy}
            onClick={() => act(() => runSeed('EXACTLY_ONCE'))}
          >
            Run it with exactly-once on
          </button>{' '}
          <span>EXACTLY_ONCE: {on.note}</span>
        </li>
        <li>
          <button
            type="button"
            disabled={!connected || busy}
            onClick={() =>
              act(async () => {
                const runId = await runSeed('ATLEAST_ONCE');
                await compareModes(runId, 'ATLEAST_ONCE');
              })
            }
          >
            Compare the three modes side by side
          </button>{' '}
          <span>
            The same run and failure in BEST_EFFORT, ATLEAST_ONCE and EXACTLY_ONCE: the duplicates, in
            numbers.
          </span>
        </li>
      </ol>
      <p className="hint">
        Then try the other presets in the sidebar: each says what it gives in each mode. While a run is live,
        Faults injects more failures, and each is recorded with its virtual time so the run can be replayed.
      </p>
      {error !== null && (
        <p className="note refusal" role="alert">
          Refused: {error}
        </p>
      )}
    </section>
  );
}
