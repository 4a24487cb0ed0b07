import { PRESETS, preflight, SYSTEMS, WRITER_MODES, type WriterMode } from '@eolab/engine';
import { useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { chooseMode, choosePreset } from '../actions/controls';
import { shareLink } from '../nav/share';
import { SYSTEM_NAMES, scenarioFrom } from '../state/controls';
import { useStore } from '../state/store';
import { BackendChoice } from './BackendChoice';
import { Knobs, SystemChoice } from './Knobs';
import { LiveElsewhere } from './LiveElsewhere';
import { RunButtons } from './RunButtons';
import { NextRunMode, PlannedFailure, PresetOutcomes } from './ScenarioNotes';
import { SpeedChoice } from './SpeedChoice';

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
  const { presetId, baseScenario, mode } = useStore(
    useShallow((s) => ({ presetId: s.presetId, baseScenario: s.baseScenario, mode: s.mode })),
  );
  const exactlyOnce = mode === 'EXACTLY_ONCE';
  const kafka = useStore((s) => s.knobs.system === 'kafka');
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
          {SYSTEMS.map((system) => (
            <optgroup key={system} label={`On ${SYSTEM_NAMES[system]}`}>
              {PRESETS.filter((p) => p.system === system).map((p) => (
                <option key={p.id} value={p.id}>
                  {p.id} — {p.title}
                </option>
              ))}
            </optgroup>
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
      <SystemChoice />

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
          ? kafka
            ? 'Two-phase commit: one Kafka transaction per subtask per checkpoint (a transactional id from its pool), committed on completion.'
            : 'Two-phase commit: one Pravega transaction per subtask per checkpoint, committed on completion.'
          : mode === 'ATLEAST_ONCE'
            ? 'Plain writes, flushed at every checkpoint: nothing lost, duplicates after a restore.'
            : 'Plain writes, never flushed: may lose data and duplicate it.'}
      </small>
      <NextRunMode />

      <Knobs />

      <BackendChoice />
      <Preflight />
      <RunButtons />
      <LiveElsewhere />
      <ShareLink />
      <SpeedChoice />
    </section>
  );
}
