import { PRESETS, presetScenario, type Verdict, WRITER_MODES, type WriterMode } from '@eolab/engine';
import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ownFailureFate, plannedFailureText } from '../explain/own-failure';
import { canonical, SYSTEM_NAMES, scenarioFrom } from '../state/controls';
import { isLive } from '../state/run';
import { selectEvents } from '../state/scrub';
import { useStore } from '../state/store';

const VERDICT_WORDS: Record<Verdict, string> = {
  EXACTLY_ONCE: 'exactly once',
  DUPLICATES: 'duplicates',
  LOSS: 'loss',
  DUPLICATES_AND_LOSS: 'duplicates and loss',
  INCOMPLETE: 'incomplete output',
};

/** Whether the knobs still describe the preset as it is (its stated outcomes hold only then). */
function useKnobsChanged(presetId: string): boolean {
  const { mode, knobs } = useStore(useShallow((s) => ({ mode: s.mode, knobs: s.knobs })));
  return useMemo(() => {
    const own = presetScenario(presetId, mode);
    return own !== undefined && canonical(scenarioFrom(presetId, null, mode, knobs)) !== canonical(own);
  }, [presetId, mode, knobs]);
}

/** What the chosen preset gives in each mode, as the model runs it (held to it by the engine's tests). */
export function PresetOutcomes({ presetId, mode }: { presetId: string; mode: WriterMode }) {
  const preset = PRESETS.find((p) => p.id === presetId);
  const changed = useKnobsChanged(presetId);
  const system = useStore((s) => s.knobs.system);
  if (preset === undefined) return null;
  const elsewhere = system !== preset.system;
  return (
    <>
      <ul className="preset-outcomes" aria-label={`What ${preset.id} gives in each mode`}>
        {WRITER_MODES.map((m) => {
          const { verdict, note } = preset.expected[m];
          return (
            <li key={m} aria-current={m === mode ? 'true' : undefined}>
              <strong>{m}</strong> <span className={`v-${verdict}`}>{VERDICT_WORDS[verdict]}</span>: {note}
            </li>
          );
        })}
      </ul>
      {changed && (
        <small className="knobs-changed">
          {elsewhere
            ? `These are the preset's outcomes on ${SYSTEM_NAMES[preset.system]}; it runs on ${SYSTEM_NAMES[system]} now, where the outcome may differ.`
            : "These are the preset's outcomes with its own knobs; yours differ, so the outcome may too."}
        </small>
      )}
    </>
  );
}

/** Where the sample's failure of the scenario the controls describe will fire (follows the Events knob). */
export function PlannedFailure() {
  const { presetId, baseScenario, mode, knobs } = useStore(
    useShallow((s) => ({ presetId: s.presetId, baseScenario: s.baseScenario, mode: s.mode, knobs: s.knobs })),
  );
  const text = useMemo(
    () =>
      plannedFailureText(
        scenarioFrom(presetId, baseScenario, mode, knobs),
        baseScenario === null ? presetId : null,
      ),
    [presetId, baseScenario, mode, knobs],
  );
  if (text === null) return null;
  return (
    <p className="hint planned-failure" data-testid="planned-failure">
      {text}
    </p>
  );
}

/**
 * The run on screen and the next run can differ: the header shows the one on screen, the switch
 * and the knobs the next. Said in words when their modes differ, so neither looks wrong.
 */
export function NextRunMode() {
  const { runMode, mode } = useStore(useShallow((s) => ({ runMode: s.run?.mode ?? null, mode: s.mode })));
  if (runMode === null || runMode === mode) return null;
  return (
    <p className="hint next-mode" role="note">
      Start runs <strong>{mode}</strong>; the run on screen (in the header) ran <strong>{runMode}</strong>.
    </p>
  );
}

/** During a run: whether the scenario's own failure still fires, and why it will not after a restore. */
export function OwnFailureNote() {
  const { scenario, events, live } = useStore(
    useShallow((s) => ({ scenario: s.scenario, events: selectEvents(s), live: isLive(s.run?.state) })),
  );
  const fate = useMemo(
    () => (scenario === null ? null : ownFailureFate(scenario, events, live)),
    [scenario, events, live],
  );
  if (fate === null) return null;
  return (
    <p className={fate.willFire ? 'hint own-failure' : 'note own-failure'} role="note">
      {fate.text}
    </p>
  );
}
