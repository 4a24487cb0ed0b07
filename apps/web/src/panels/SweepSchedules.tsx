import {
  minimalInput,
  NothingToShrinkError,
  type Scenario,
  type ShrinkResult,
  shrink,
  WRITER_MODES,
} from '@eolab/engine';
import type { SweepDetail } from '@eolab/protocol';
import { useState } from 'react';
import { openAsRun, scheduleScenario } from '../actions/sweep';
import { ScrollRegion } from './ScrollRegion';
import { type Cell, OUTCOME_COLUMNS, schedulesIn } from './SweepMatrix';

type Detail = SweepDetail & { result: NonNullable<SweepDetail['result']> };

/** Schedules listed at once in a cell; the count says how many there are in all. */
const SHOWN = 100;

/** The schedules of one matrix cell: each opens as a run in one click, or shrinks to a smallest one. */
export function SweepSchedules({ sweep, cell }: { sweep: Detail; cell: Cell }) {
  const [shrunk, setShrunk] = useState<
    { seed: number; result: ShrinkResult } | { seed: number; error: string } | null
  >(null);
  const all = schedulesIn(sweep.result, cell);
  const m = WRITER_MODES.indexOf(cell.mode);
  const label = OUTCOME_COLUMNS.find((c) => c.id === cell.column)!.label;
  const scenarioOf = (i: number) => scheduleScenario(sweep.spec, sweep.result.schedules[i]!.index, cell.mode);
  const shrinkOne = (i: number) => {
    const seed = sweep.result.schedules[i]!.seed;
    try {
      setShrunk({ seed, result: shrink(scenarioOf(i)) });
    } catch (error) {
      if (!(error instanceof NothingToShrinkError)) throw error;
      setShrunk({ seed, error: error.message });
    }
  };
  return (
    <section className="sweep-cell" aria-labelledby="sweep-cell-title">
      <h3 id="sweep-cell-title">
        {cell.mode} · {label}: {all.length} schedules
        {all.length > SHOWN ? ` (the first ${SHOWN} listed)` : ''}
      </h3>
      <ScrollRegion className="table-scroll" label="The cell's schedules">
        <table className="history-table">
          <thead>
            <tr>
              {['schedule', 'seed', 'faults', 'verdict'].map((h) => (
                <th key={h} scope="col">
                  {h}
                </th>
              ))}
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {all.slice(0, SHOWN).map((i) => {
              const s = sweep.result.schedules[i]!;
              const run = s.runs[m]!;
              return (
                <tr key={s.index}>
                  <td>#{s.index}</td>
                  <td>{s.seed}</td>
                  <td>{s.faults.join(', ') || 'none'}</td>
                  <td title={run.violation ?? undefined}>{run.verdict}</td>
                  <td className="sweep-actions">
                    <button type="button" className="small" onClick={() => void openAsRun(scenarioOf(i))}>
                      Open as run
                      <span className="sr-only">
                        {' '}
                        schedule {s.seed} in {cell.mode}
                      </span>
                    </button>
                    <button type="button" className="small" onClick={() => shrinkOne(i)}>
                      Shrink
                      <span className="sr-only">
                        {' '}
                        schedule {s.seed} in {cell.mode}
                      </span>
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </ScrollRegion>
      {shrunk !== null && <ShrinkOutcome seed={shrunk.seed} outcome={shrunk} />}
    </section>
  );
}

/** A shrink's steps, and its smallest schedule: open it as a run, or save it as a scenario file. */
function ShrinkOutcome({
  seed,
  outcome,
}: {
  seed: number;
  outcome: { result: ShrinkResult } | { error: string };
}) {
  if ('error' in outcome)
    return (
      <p className="hint" role="status">
        Schedule {seed}: {outcome.error}
      </p>
    );
  const { result } = outcome;
  return (
    <div className="shrink-result" role="status" aria-label={`Shrinking schedule ${seed}`}>
      <h4>
        Schedule {seed} shrunk in {result.runs} runs, keeping the {result.target}:{' '}
        {result.original.faults.length} faults → {result.scenario.faults.length}, {result.original.numEvents}{' '}
        events → {result.scenario.numEvents}
      </h4>
      <ol>
        {result.steps.map((s) => (
          <li key={s.what}>{s.what}</li>
        ))}
      </ol>
      <div className="sweep-actions">
        <button type="button" className="small primary" onClick={() => void openAsRun(result.scenario)}>
          Open the shrunk schedule as a run
        </button>
        <button type="button" className="small" onClick={() => saveScenario(result.scenario)}>
          Save as scenario file
        </button>
      </div>
    </div>
  );
}

function saveScenario(scenario: Scenario): void {
  const blob = new Blob([`${JSON.stringify(minimalInput(scenario), null, 2)}\n`], {
    type: 'application/json',
  });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `${scenario.name}.json`;
  a.click();
  URL.revokeObjectURL(a.href);
}
