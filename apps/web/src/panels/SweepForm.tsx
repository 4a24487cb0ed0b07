import { FAULT_KINDS, type FaultKind, PRESETS, type System } from '@eolab/engine';
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
  /** '' keeps the base's own system (Pravega for random knobs), as `eolab sweep` without --system. */
  const [system, setSystem] = useState<'' | System>('');
  const [schedules, setSchedules] = useState(2000);
  const [seed, setSeed] = useState(1);
  const [backend, setBackend] = useState<'simulated' | 'postgres'>('simulated');
  const real = backend === 'postgres';
  const chooseBackend = (b: 'simulated' | 'postgres') => {
    setBackend(b);
    // A real run takes a second or more: a sweep on PostgreSQL is tens of schedules, not thousands.
    setSchedules(b === 'postgres' ? 20 : 2000);
  };
  const toggle = (kind: FaultKind) =>
    setKinds((k) =>
      k.includes(kind) ? k.filter((x) => x !== kind) : FAULT_KINDS.filter((x) => x === kind || k.includes(x)),
    );
  const request = (): CreateSweepRequest =>
    real ? { schedules, seed, backend, ...(system === 'kafka' ? { system } : {}) } : simulatedRequest();
  const simulatedRequest = (): CreateSweepRequest => ({
    schedules,
    seed,
    kinds,
    maxFaults,
    ...(system === '' ? {} : { system }),
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
        Backend
        <select value={backend} onChange={(e) => chooseBackend(e.target.value as 'simulated' | 'postgres')}>
          <option value="simulated">The model</option>
          <option value="postgres">The model and PostgreSQL (as eolab verify --schedules)</option>
        </select>
      </label>
      {real ? (
        <>
          <label>
            System
            <select
              value={system === 'kafka' ? 'kafka' : 'pravega'}
              onChange={(e) => setSystem(e.target.value as System)}
            >
              <option value="pravega">Pravega</option>
              <option value="kafka">Kafka (as eolab verify --system kafka)</option>
            </select>
          </label>
          <p className="hint">
            Each schedule is drawn from the faults the real backend reproduces{' '}
            {system === 'kafka'
              ? "on Kafka (its rules on PostgreSQL: a partition log with commit and abort markers, the coordinator's epochs and timeouts)"
              : "on Pravega (PostgreSQL's two-phase commit)"}
            , run on the model and for real, and the two compared: agree, differ where timing decides (and
            why), or differ.
          </p>
        </>
      ) : (
        <SimulatedChoices
          base={base}
          setBase={setBase}
          runId={runId}
          kinds={kinds}
          toggle={toggle}
          maxFaults={maxFaults}
          setMaxFaults={setMaxFaults}
          system={system}
          setSystem={setSystem}
        />
      )}
      <label>
        Schedules
        <input
          type="number"
          min={1}
          max={real ? 100 : 20000}
          value={schedules}
          onChange={(e) => setSchedules(e.target.valueAsNumber)}
        />
      </label>
      <label>
        Seed
        <input type="number" min={0} value={seed} onChange={(e) => setSeed(e.target.valueAsNumber)} />
      </label>
      <button type="submit" className="primary" disabled={running || (!real && kinds.length === 0)}>
        Start sweep
      </button>
      {!real && kinds.length === 0 && <p className="hint">Choose at least one fault kind.</p>}
    </form>
  );
}

/** The model's choices: the base scenario, the fault kinds, at most how many faults each schedule adds. */
function SimulatedChoices(p: {
  base: string;
  setBase: (b: string) => void;
  runId: string | null;
  kinds: FaultKind[];
  toggle: (k: FaultKind) => void;
  maxFaults: number;
  setMaxFaults: (n: number) => void;
  system: '' | System;
  setSystem: (s: '' | System) => void;
}) {
  const { base, setBase, runId, kinds, toggle, maxFaults, setMaxFaults, system, setSystem } = p;
  return (
    <>
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
      <label>
        System
        <select value={system} onChange={(e) => setSystem(e.target.value as '' | System)}>
          <option value="">The base's own (Pravega for random knobs)</option>
          <option value="pravega">Pravega</option>
          <option value="kafka">Kafka (as eolab sweep --system kafka)</option>
        </select>
      </label>
      {system === 'kafka' && (
        <p className="hint">Kafka has no commit-rejected (a Pravega answer): it is never drawn there.</p>
      )}
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
    </>
  );
}
