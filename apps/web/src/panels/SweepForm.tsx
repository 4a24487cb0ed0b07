import { FAULT_KINDS, type FaultKind, PRESETS } from '@eolab/engine';
import type { CreateSweepRequest } from '@eolab/protocol';
import { useState } from 'react';
import { useStore } from '../state/store';

/** The base the form offers: random knobs (as `eolab sweep`), a preset, or the run on screen. */
const RANDOM = '';
const RUN_ON_SCREEN = 'run';

/**
 * What to sweep: the base scenario, the fault kinds to draw from, at most how many faults each
 * schedule adds, how many schedules from which seed. The same choices as `eolab sweep`'s flags.
 */
export function SweepForm({
  running,
  onStart,
}: {
  running: boolean;
  onStart: (r: CreateSweepRequest) => void;
}) {
  const runId = useStore((s) => s.runId);
  const [base, setBase] = useState(RANDOM);
  const [kinds, setKinds] = useState<FaultKind[]>([...FAULT_KINDS]);
  const [maxFaults, setMaxFaults] = useState(4);
  const [schedules, setSchedules] = useState(2000);
  const [seed, setSeed] = useState(1);
  const toggle = (kind: FaultKind) =>
    setKinds((k) =>
      k.includes(kind) ? k.filter((x) => x !== kind) : FAULT_KINDS.filter((x) => x === kind || k.includes(x)),
    );
  const request = (): CreateSweepRequest => ({
    schedules,
    seed,
    kinds,
    maxFaults,
    ...(base === RANDOM
      ? {}
      : base === RUN_ON_SCREEN && runId !== null
        ? { base: { runId } }
        : { base: { preset: base } }),
  });
  return (
    <form
      className="sweep-form"
      onSubmit={(e) => {
        e.preventDefault();
        onStart(request());
      }}
    >
      <label>
        Base scenario
        <select value={base} onChange={(e) => setBase(e.target.value)}>
          <option value={RANDOM}>Random knobs (as eolab sweep)</option>
          {PRESETS.map((p) => (
            <option key={p.id} value={p.id}>
              Preset: {p.title}
            </option>
          ))}
          {runId !== null && <option value={RUN_ON_SCREEN}>The run on screen ({runId})</option>}
        </select>
      </label>
      <fieldset className="sweep-kinds">
        <legend>Fault kinds to draw from</legend>
        {FAULT_KINDS.map((kind) => (
          <label key={kind} className="check">
            <input type="checkbox" checked={kinds.includes(kind)} onChange={() => toggle(kind)} />
            {kind}
          </label>
        ))}
      </fieldset>
      <label>
        Faults added per schedule, at most
        <input
          type="number"
          min={0}
          max={20}
          value={maxFaults}
          onChange={(e) => setMaxFaults(e.target.valueAsNumber)}
        />
      </label>
      <label>
        Schedules
        <input
          type="number"
          min={1}
          max={20000}
          value={schedules}
          onChange={(e) => setSchedules(e.target.valueAsNumber)}
        />
      </label>
      <label>
        Seed
        <input type="number" min={0} value={seed} onChange={(e) => setSeed(e.target.valueAsNumber)} />
      </label>
      <button type="submit" className="primary" disabled={running || kinds.length === 0}>
        Start sweep
      </button>
      {kinds.length === 0 && <p className="hint">Choose at least one fault kind.</p>}
    </form>
  );
}
