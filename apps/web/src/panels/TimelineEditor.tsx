import { FAULT_KINDS, type Fault, type FaultKind, minimalInput, type Scenario } from '@eolab/engine';
import { type KeyboardEvent, type PointerEvent, useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { startScenario } from '../actions/run';
import { openScenarioText, setFaults, timelineLink } from '../actions/timeline';
import { axisMs, movedTo, newFault, placementNotes, placeOf } from '../explain/timeline';
import { scenarioFrom } from '../state/controls';
import { useStore } from '../state/store';

/** The numeric fields a fault may have, in the order they are edited. */
const FIELDS = ['atMs', 'checkpoint', 'atElement', 'durationMs'] as const;
const WIDTH = 1000;

/**
 * The fault-timeline editor: the next run's faults on a time axis (a checkpoint or an element at
 * its estimated time), dragged with the pointer or the arrow keys, edited as numbers, added and
 * deleted; what a placement does is explained; the timeline is saved as a scenario file, opened
 * from one, started, or shared as a link.
 */
export function TimelineEditor() {
  const { presetId, baseScenario, mode, knobs } = useStore(
    useShallow((s) => ({ presetId: s.presetId, baseScenario: s.baseScenario, mode: s.mode, knobs: s.knobs })),
  );
  const scenario = useMemo(
    () => scenarioFrom(presetId, baseScenario, mode, knobs),
    [presetId, baseScenario, mode, knobs],
  );
  const [adding, setAdding] = useState<FaultKind>('store-outage');
  const [link, setLink] = useState<string | null>(null);
  const [fileErrors, setFileErrors] = useState<string[]>([]);
  const notes = useMemo(() => placementNotes(scenario), [scenario]);
  const change = (i: number, fault: Fault) => setFaults(scenario.faults.map((f, j) => (j === i ? fault : f)));
  return (
    <details className="panel timeline-editor">
      <summary>
        <h2>Fault timeline</h2>
      </summary>
      <Axis scenario={scenario} onMove={change} />
      <p className="muted">
        Filled: a fault at a time. Hollow: at a checkpoint or an element, drawn where it comes without faults.
        Drag a fault, or focus it and use the arrow keys.
      </p>
      <ul className="timeline-faults" aria-label="Faults of the next run">
        {scenario.faults.map((f, i) => (
          <li key={i}>
            <strong>
              faults[{i}] {f.kind}
            </strong>
            {FIELDS.filter((k) => k in f && (f as unknown as Record<string, unknown>)[k] !== undefined).map(
              (k) => (
                <label key={k}>
                  {k}
                  <input
                    type="number"
                    min={0}
                    value={(f as unknown as Record<string, number>)[k]}
                    onChange={(e) => change(i, { ...f, [k]: e.target.valueAsNumber } as Fault)}
                  />
                </label>
              ),
            )}
            <button
              type="button"
              className="small"
              onClick={() => setFaults(scenario.faults.filter((_, j) => j !== i))}
            >
              Delete<span className="sr-only"> faults[{i}]</span>
            </button>
          </li>
        ))}
      </ul>
      <div className="timeline-tools">
        <label>
          Fault kind
          <select value={adding} onChange={(e) => setAdding(e.target.value as FaultKind)}>
            {FAULT_KINDS.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="small"
          onClick={() => setFaults([...scenario.faults, newFault(scenario, adding)])}
        >
          Add fault
        </button>
      </div>
      {notes.length > 0 && (
        <ul className="hint" aria-label="What the placements do">
          {notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
      <div className="timeline-tools">
        <button type="button" className="small primary" onClick={() => void startScenario(scenario)}>
          Start with this timeline
        </button>
        <button type="button" className="small" onClick={() => saveFile(scenario)}>
          Save as scenario file
        </button>
        <label className="small">
          Open scenario file
          <input
            type="file"
            accept="application/json,.json"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file !== undefined) void file.text().then((text) => setFileErrors(openScenarioText(text)));
            }}
          />
        </label>
        <button type="button" className="small" onClick={() => setLink(timelineLink(scenario))}>
          Share timeline link
        </button>
        {link !== null && (
          <input readOnly value={link} aria-label="Timeline link" onFocus={(e) => e.currentTarget.select()} />
        )}
      </div>
      {fileErrors.length > 0 && (
        <p className="hint" role="alert">
          The file is not a scenario: {fileErrors.join('; ')}
        </p>
      )}
    </details>
  );
}

/** The time axis: each fault a slider, dragged or moved with the arrow keys (1% of the axis a step). */
function Axis({ scenario, onMove }: { scenario: Scenario; onMove: (i: number, f: Fault) => void }) {
  const axis = axisMs(scenario);
  const svg = useRef<SVGSVGElement>(null);
  const [dragging, setDragging] = useState<number | null>(null);
  const msAt = (clientX: number) => {
    const box = svg.current!.getBoundingClientRect();
    return ((clientX - box.left) / box.width) * axis;
  };
  const move = (i: number, e: PointerEvent) => {
    if (dragging === i) onMove(i, movedTo(scenario, scenario.faults[i]!, msAt(e.clientX)));
  };
  const key = (i: number, e: KeyboardEvent) => {
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    e.preventDefault();
    const f = scenario.faults[i]!;
    const at = placeOf(scenario, f).atMs;
    const next =
      'checkpoint' in f && f.checkpoint !== undefined
        ? { ...f, checkpoint: Math.max(1, f.checkpoint + step) }
        : movedTo(scenario, f, at + step * Math.max(1, axis / 100));
    onMove(i, next as Fault);
  };
  return (
    // biome-ignore lint/a11y/useSemanticElements: the sliders are SVG markers on an axis; a fieldset cannot hold them
    <svg
      ref={svg}
      className="timeline-axis"
      viewBox={`0 0 ${WIDTH} 70`}
      role="group"
      aria-label="Fault timeline axis"
    >
      <line x1={0} x2={WIDTH} y1={40} y2={40} className="timeline-line" />
      {[0, 0.25, 0.5, 0.75, 1].map((q) => (
        <text key={q} x={Math.min(WIDTH - 40, q * WIDTH)} y={66} className="timeline-tick">
          {Math.round(q * axis)} ms
        </text>
      ))}
      {scenario.faults.map((f, i) => {
        const { atMs, estimated } = placeOf(scenario, f);
        const x = (atMs / axis) * WIDTH;
        const w = 'durationMs' in f && f.durationMs !== undefined ? (f.durationMs / axis) * WIDTH : 0;
        return (
          <g
            key={i}
            role="slider"
            tabIndex={0}
            aria-label={`faults[${i}] ${f.kind}`}
            aria-valuemin={0}
            aria-valuemax={axis}
            aria-valuenow={atMs}
            aria-valuetext={`${estimated ? 'about ' : ''}${atMs} ms`}
            className="timeline-marker"
            onPointerDown={(e) => {
              (e.target as Element).setPointerCapture(e.pointerId);
              setDragging(i);
            }}
            onPointerMove={(e) => move(i, e)}
            onPointerUp={() => setDragging(null)}
            onKeyDown={(e) => key(i, e)}
          >
            {w > 0 && <rect x={x} y={34} width={Math.max(2, w)} height={12} className="timeline-span" />}
            <circle cx={x} cy={40} r={8} className={estimated ? 'timeline-dot estimated' : 'timeline-dot'} />
            <text x={x} y={20} className="timeline-label">
              {i}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

function saveFile(scenario: Scenario): void {
  const blob = new Blob([`${JSON.stringify(minimalInput(scenario), null, 2)}\n`], {
    type: 'application/json',
  });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `${scenario.name}.json`;
  a.click();
  URL.revokeObjectURL(a.href);
}
