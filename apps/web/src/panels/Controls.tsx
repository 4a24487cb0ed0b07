import {
  MAX_TXN_LEASE_MS,
  MIN_TXN_LEASE_MS,
  PRESETS,
  preflight,
  WRITER_MODES,
  type WriterMode,
} from '@eolab/engine';
import { SPEEDS, type Speed } from '@eolab/protocol';
import { useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { chooseMode, choosePreset, setKnob } from '../actions/controls';
import { chooseSpeed, control, startRun } from '../actions/run';
import { shareLink } from '../nav/share';
import { type Knobs, scenarioFrom } from '../state/controls';
import { useStore } from '../state/store';
import { BackendChoice, REAL_TIME_REASON } from './BackendChoice';
import { LiveElsewhere } from './LiveElsewhere';
import { NextRunMode, PlannedFailure, PresetOutcomes } from './ScenarioNotes';
import { StartDialog } from './StartDialog';

interface KnobSpec {
  key: Exclude<keyof Knobs, 'isolation'>;
  label: string;
  help: string;
  min: number;
  max: number;
}

const KNOBS: KnobSpec[] = [
  {
    key: 'numEvents',
    label: 'Events',
    help: 'How many integers the source emits (1..N).',
    min: 1,
    max: 20_000_000,
  },
  {
    key: 'checkpointIntervalMs',
    label: 'Checkpoint interval (ms)',
    help: 'How often Flink snapshots the job.',
    min: 1,
    max: 600_000,
  },
  {
    key: 'parallelism',
    label: 'Sink parallelism',
    help: 'Writer subtasks; each has its own transaction per checkpoint.',
    min: 1,
    max: 16,
  },
  {
    key: 'txnLeaseMs',
    label: 'Transaction lease (ms)',
    help: 'The writer pings its transactions every lease / sqrt(lease in s); one not pinged for this long is aborted by the controller. Pravega allows 10 s to 600 s.',
    min: MIN_TXN_LEASE_MS,
    max: MAX_TXN_LEASE_MS,
  },
  {
    key: 'restartAttempts',
    label: 'Restart attempts',
    help: 'Failures the job survives before it fails for good.',
    min: 0,
    max: 100,
  },
  {
    key: 'restartDelayMs',
    label: 'Restart delay (ms)',
    help: 'Time between a failure and the restore.',
    min: 0,
    max: 600_000,
  },
  {
    key: 'seed',
    label: 'Seed',
    help: 'Same seed, same run: every random choice comes from it.',
    min: 0,
    max: 4_294_967_295,
  },
];

/** The Preset list's entry for the opened run's own scenario (no preset has this id). */
const OWN_SCENARIO = '';

function ShareLink() {
  const [link, setLink] = useState<string | null>(null);
  return (
    <div className="share">
      <button type="button" className="small" onClick={() => setLink(shareLink())}>
        Share scenario link
      </button>
      {link !== null && (
        <input readOnly value={link} aria-label="Share link" onFocus={(e) => e.currentTarget.select()} />
      )}
    </div>
  );
}

/**
 * A number knob: typed freely (clearing it or typing digit by digit never snaps the value), checked
 * when it loses the focus or on Enter, with the field's error shown beside it until it is fixed.
 */
function KnobField({ knob, value }: { knob: KnobSpec; value: number }) {
  const [text, setText] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const commit = () => {
    if (text === null) return;
    const v = Number(text.trim());
    if (text.trim() === '' || !Number.isInteger(v)) setError(`${knob.label}: enter a whole number`);
    else if (v < knob.min || v > knob.max)
      setError(`${knob.label}: must be ${knob.min.toLocaleString('en')} to ${knob.max.toLocaleString('en')}`);
    else {
      setError(null);
      setText(null);
      setKnob(knob.key, v);
    }
  };
  return (
    <label className="field">
      <span>{knob.label}</span>
      <input
        type="number"
        aria-label={knob.label}
        aria-describedby={`help-${knob.key}`}
        aria-invalid={error !== null}
        aria-errormessage={error === null ? undefined : `error-${knob.key}`}
        min={knob.min}
        max={knob.max}
        value={text ?? value}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
        }}
      />
      {error !== null && (
        <small id={`error-${knob.key}`} className="field-error" role="alert">
          {error}
        </small>
      )}
      <small id={`help-${knob.key}`}>{knob.help}</small>
    </label>
  );
}

/** What the scenario on screen cannot keep, said before Start (the engine's preflight). */
function Preflight() {
  const { presetId, baseScenario, mode, knobs } = useStore(
    useShallow((s) => ({ presetId: s.presetId, baseScenario: s.baseScenario, mode: s.mode, knobs: s.knobs })),
  );
  const warnings = useMemo(
    () => preflight(scenarioFrom(presetId, baseScenario, mode, knobs)),
    [presetId, baseScenario, mode, knobs],
  );
  if (warnings.length === 0) return null;
  return (
    <ul className="preflight" aria-label="Before you start">
      {warnings.map((w) => (
        <li key={w.text}>
          <code>{w.field}</code> {w.text}
        </li>
      ))}
    </ul>
  );
}

export function Controls() {
  const [asking, setAsking] = useState(false);
  const { presetId, baseScenario, mode, knobs, speed, run, runState, connected, realRun } = useStore(
    useShallow((s) => ({
      run: s.run,
      presetId: s.presetId,
      baseScenario: s.baseScenario,
      mode: s.mode,
      knobs: s.knobs,
      speed: s.speed,
      runState: s.run?.state ?? null,
      connected: s.connection === 'connected',
      realRun: s.backend?.kind === 'postgres',
    })),
  );
  const live = runState === 'running' || runState === 'paused' || runState === 'created';
  const realChosen = useStore((s) => s.backendChoice === 'postgres');
  // Speed acts on the live run on screen, else on the next one: off when that one is (or will be) real.
  const noSpeed = live ? realRun : realChosen;
  const exactlyOnce = mode === 'EXACTLY_ONCE';
  return (
    <section className="panel controls" aria-labelledby="controls-title">
      <h2 id="controls-title">Scenario</h2>
      <label className="field">
        <span>Preset</span>
        <select
          value={baseScenario === null ? presetId : OWN_SCENARIO}
          onChange={(e) => choosePreset(e.target.value)}
          aria-label="Preset"
        >
          {baseScenario !== null && (
            <option value={OWN_SCENARIO}>{`${baseScenario.name} — the scenario of the run on screen`}</option>
          )}
          {PRESETS.map((p) => (
            <option key={p.id} value={p.id}>
              {p.id} — {p.title}
            </option>
          ))}
        </select>
        <small>
          {baseScenario === null
            ? PRESETS.find((p) => p.id === presetId)?.description
            : 'Its own knobs and fault timeline, as it was run; the knobs below edit it.'}
        </small>
      </label>
      {baseScenario === null && <PresetOutcomes presetId={presetId} mode={mode} />}
      <PlannedFailure />

      <div className="mode-row">
        <label className="switch">
          <input
            type="checkbox"
            role="switch"
            aria-checked={exactlyOnce}
            aria-label="Exactly-once"
            checked={exactlyOnce}
            onChange={(e) => chooseMode(e.target.checked ? 'EXACTLY_ONCE' : 'ATLEAST_ONCE')}
          />
          <span className="track" aria-hidden="true" />
          <span>Exactly-once</span>
        </label>
        <label className="field inline">
          <span className="sr-only">Writer mode</span>
          <select
            value={mode}
            onChange={(e) => chooseMode(e.target.value as WriterMode)}
            aria-label="Writer mode"
          >
            {WRITER_MODES.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
      </div>
      <small className="help">
        {mode === 'EXACTLY_ONCE'
          ? 'Two-phase commit: one Pravega transaction per subtask per checkpoint, committed on completion.'
          : mode === 'ATLEAST_ONCE'
            ? 'Plain writes, flushed at every checkpoint: nothing lost, duplicates after a restore.'
            : 'Plain writes, never flushed: may lose data and duplicate it.'}
      </small>
      <NextRunMode />

      <details className="knobs">
        <summary>Knobs</summary>
        {KNOBS.map((k) => (
          <KnobField key={k.key} knob={k} value={knobs[k.key]} />
        ))}
        <label className="field">
          <span>Checker isolation</span>
          <select
            aria-label="Checker isolation"
            value={knobs.isolation}
            onChange={(e) => setKnob('isolation', e.target.value as Knobs['isolation'])}
          >
            <option value="read_committed">read_committed (Pravega)</option>
            <option value="read_uncommitted">read_uncommitted (Kafka's default)</option>
          </select>
          <small>Whether the checker also sees writes of open and aborted transactions.</small>
        </label>
      </details>

      <BackendChoice />
      <Preflight />
      <div className="buttons">
        <button
          type="button"
          className="primary"
          disabled={!connected}
          aria-haspopup={live ? 'dialog' : undefined}
          onClick={() => (live ? setAsking(true) : void startRun().catch(() => {}))}
        >
          Start
        </button>
        {runState === 'paused' ? (
          <button type="button" onClick={() => control('resume')} disabled={!connected}>
            Resume
          </button>
        ) : (
          <button
            type="button"
            onClick={() => control('pause')}
            disabled={!connected || runState !== 'running' || realRun}
            title={realRun ? REAL_TIME_REASON : undefined}
          >
            Pause
          </button>
        )}
        <button type="button" onClick={() => control('stop')} disabled={!connected || !live}>
          Stop
        </button>
      </div>
      {asking && run !== null && <StartDialog run={run} onClose={() => setAsking(false)} />}
      <LiveElsewhere />
      <ShareLink />
      <fieldset className="speed" disabled={noSpeed} title={noSpeed ? REAL_TIME_REASON : undefined}>
        <legend>Speed</legend>
        {SPEEDS.map((s: Speed) => (
          <label key={s}>
            <input
              type="radio"
              name="speed"
              value={s}
              checked={speed === s}
              onChange={() => chooseSpeed(s)}
            />{' '}
            {s}
          </label>
        ))}
      </fieldset>
    </section>
  );
}
