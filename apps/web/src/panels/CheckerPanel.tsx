import { type Cause, FOUND_DUPLICATES, NO_DUPLICATE, type Report } from '@eolab/engine';
import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { startScenario } from '../state/actions';
import { compareBackends, compareModes } from '../state/compare';
import { selectEvents, selectReport, selectTotals } from '../state/scrub';
import { useStore } from '../state/store';

/** The verdict line: the sample's wording, plus loss, which the sample's checker cannot see. */
export function verdictText(report: Report | null, duplicatesSoFar: number, running: boolean): string {
  if (report === null) {
    if (duplicatesSoFar > 0) return `${FOUND_DUPLICATES} (so far)`;
    return running ? 'Checking… no duplicate so far' : 'No run yet';
  }
  const lost = report.counts.missing;
  const loss = lost > 0 ? ` · ${lost.toLocaleString('en')} value${lost === 1 ? '' : 's'} lost` : '';
  if (report.counts.duplicates > 0) return `${FOUND_DUPLICATES}${loss}`;
  if (lost > 0)
    return `No duplicate found, but ${lost.toLocaleString('en')} value${lost === 1 ? '' : 's'} lost`;
  return NO_DUPLICATE;
}

/** Where the sample's marker-window checker and our whole-stream checker disagree, and why. */
function disagreement(report: Report): string | null {
  const windowFound = report.markerWindow.verdict === 'DUPLICATES';
  const streamFound = report.counts.duplicates > 0;
  if (report.markerWindow.verdict === null) {
    return "The sample's checker never saw an end marker, so it printed nothing; the whole-stream checker still judged every value.";
  }
  if (streamFound && !windowFound) {
    return "The sample's checker found no duplicate because it forgets everything at each start marker (a fresh restart emits a new one); the whole-stream checker never resets.";
  }
  if (!streamFound && windowFound)
    return "The sample's checker counted a value twice within its window that the whole stream saw only once more in total.";
  if (report.counts.missing > 0) {
    return "The sample's checker cannot see loss: it only looks for values that arrive twice. The whole-stream checker also reports values that never arrived.";
  }
  return null;
}

export function CheckerPanel() {
  const { events, report, totals, runState } = useStore(
    useShallow((s) => ({
      events: selectEvents(s),
      report: selectReport(s),
      totals: selectTotals(s),
      runState: s.run?.state ?? null,
    })),
  );
  const lines = useMemo(
    () => events.flatMap((e) => (e.kind === 'console' && e.source === 'checker' ? [e.line] : [])).slice(-400),
    [events],
  );
  const scrubbing = useStore((s) => s.scrubMs !== null);
  const running = scrubbing || runState === 'running' || runState === 'paused' || runState === 'created';
  const text = verdictText(report, totals?.duplicates ?? 0, running);
  const tone =
    text === NO_DUPLICATE ? 'good' : text.startsWith('Checking') || text === 'No run yet' ? 'neutral' : 'bad';
  const note = report === null ? null : disagreement(report);
  const causes = report?.causes.duplicates ?? [];
  const losses = report?.causes.missing ?? [];
  const unexplained =
    report === null ? 0 : report.causes.unexplained.duplicates + report.causes.unexplained.missing;
  return (
    <section className="panel checker" aria-labelledby="checker-title">
      <div className="compare-head">
        <h2 id="checker-title">Checker</h2>
        <CompareButton />
      </div>
      <div role="status" aria-label="Checker verdict" aria-live="polite" className={`verdict ${tone}`}>
        {text}
      </div>
      <dl className="counts">
        <div>
          <dt>duplicates</dt>
          <dd data-testid="duplicate-count">{(totals?.duplicates ?? 0).toLocaleString('en')}</dd>
        </div>
        <div>
          <dt>missing</dt>
          <dd data-testid="missing-count">
            {report === null ? '—' : report.counts.missing.toLocaleString('en')}
          </dd>
        </div>
        <div>
          <dt>read</dt>
          <dd>{(totals?.read ?? 0).toLocaleString('en')}</dd>
        </div>
      </dl>
      {report !== null && report.duplicates.length > 0 && (
        <p className="dup-list">
          Duplicated values: <span data-testid="duplicate-values">{summarizeValues(report.duplicates)}</span>
        </p>
      )}
      {causes.length > 0 && <CauseList label="Why the duplicates" causes={causes} />}
      {losses.length > 0 && <CauseList label="Why values are missing" causes={losses} />}
      {unexplained > 0 && (
        <p className="note">{unexplained.toLocaleString('en')} values have no cause the engine could name.</p>
      )}
      {note !== null && <p className="note">{note}</p>}
      <JobEnd />
      <div role="log" aria-label="Checker output">
        <pre className="console">{lines.length === 0 ? 'Waiting for the end marker…' : lines.join('\n')}</pre>
      </div>
    </section>
  );
}

/** A job that failed for good says why, and offers to run the same scenario again. */
function JobEnd() {
  const { failure, scenario, connected } = useStore(
    useShallow((s) => ({
      failure: selectEvents(s).findLast((e) => e.kind === 'job-failed') ?? null,
      scenario: s.scenario,
      connected: s.connection === 'connected',
    })),
  );
  const interrupted = useStore((s) => s.run?.state === 'interrupted');
  if ((failure === null && !interrupted) || scenario === null) return null;
  return (
    <div className="job-end" role="note">
      <p>
        {failure !== null
          ? `The job failed at ${failure.t.toLocaleString('en')} ms: ${failure.reason}.`
          : 'This run was interrupted when the server stopped.'}
      </p>
      <button
        type="button"
        disabled={!connected}
        onClick={() => void startScenario(scenario).catch(() => {})}
      >
        Run again
      </button>
    </div>
  );
}

/** The engine's own account of each cause: values first, then what happened to them. */
function CauseList({ label, causes }: { label: string; causes: readonly Cause[] }) {
  return (
    <ul className="causes" aria-label={label}>
      {causes.map((c) => {
        const split = c.text.indexOf(': ');
        return (
          <li key={c.text} data-cause={c.kind}>
            <strong>{c.text.slice(0, split)}</strong>
            {c.text.slice(split)}.
          </li>
        );
      })}
    </ul>
  );
}

function CompareButton() {
  const { runId, mode, backend, ended } = useStore(
    useShallow((s) => ({
      runId: s.runId,
      mode: s.scenario?.mode ?? null,
      backend: s.backend?.kind ?? 'simulated',
      ended: s.report !== null,
    })),
  );
  const ready = runId !== null && mode !== null;
  return (
    <span className="compare-buttons">
      {/* Replays of a real run in the other modes would be real runs too, one at a time: modes compare in the model. */}
      {backend === 'simulated' && (
        <button
          type="button"
          className="small"
          disabled={!ready}
          onClick={() => {
            if (ready) void compareModes(runId, mode);
          }}
        >
          Compare modes
        </button>
      )}
      <button
        type="button"
        className="small"
        disabled={!ready || !ended}
        title="The same scenario and fault timeline on the other backend, held against this run"
        onClick={() => {
          if (ready) void compareBackends(runId, mode, backend);
        }}
      >
        Simulated vs real
      </button>
    </span>
  );
}

/** 17, 18, 19, 20 → "17..20"; long lists are cut. */
export function summarizeValues(values: number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < values.length && parts.length < 12) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j]! + 1) j++;
    parts.push(j > i ? `${values[i]}..${values[j]}` : `${values[i]}`);
    i = j + 1;
  }
  return parts.join(', ') + (i < values.length ? ', …' : '');
}
