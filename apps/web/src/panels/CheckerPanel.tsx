import { judgesMissing } from '@eolab/engine';
import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { compareBackends, compareModes, compareSystems } from '../actions/compare';
import { startScenario } from '../actions/run';
import { disagreement, ENDED_SENTENCE, verdictText, verdictTone } from '../explain/verdict';
import { selectEvents, selectReport, selectTotals } from '../state/scrub';
import { useStore } from '../state/store';
import { CauseList, DuplicateValues } from './CauseList';

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
  const tone = verdictTone(report, text);
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
          <dt>lost</dt>
          <dd data-testid="missing-count">
            {report === null || !judgesMissing(report.ending) ? '—' : report.counts.lost.toLocaleString('en')}
          </dd>
        </div>
        {report !== null && report.counts.neverEmitted > 0 && (
          <div>
            <dt>never emitted</dt>
            <dd data-testid="never-emitted-count">{report.counts.neverEmitted.toLocaleString('en')}</dd>
          </div>
        )}
        <div>
          <dt>read</dt>
          <dd>{(totals?.read ?? 0).toLocaleString('en')}</dd>
        </div>
      </dl>
      {report !== null && report.duplicates.length > 0 && (
        <p className="dup-list">
          Duplicated values: <DuplicateValues values={report.duplicates} />
        </p>
      )}
      {causes.length > 0 && <CauseList label="Why the duplicates" causes={causes} />}
      {losses.length > 0 && <CauseList label="Why values are missing" causes={losses} />}
      {report !== null && (
        <p className="ending" data-testid="run-ending">
          {ENDED_SENTENCE[report.ending]} at {report.durationMs.toLocaleString('en')} ms
          {report.backend === 'simulated' ? ' of virtual time' : ''}.
        </p>
      )}
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

/** The run on screen as it ran: its scenario with every fault it saw (clicked ones included). */
function runAsItRan(s: ReturnType<typeof useStore.getState>) {
  return s.scenario === null ? null : { ...s.scenario, faults: s.faultTimeline };
}

function CompareButton() {
  const { runId, mode, backend, ended, system } = useStore(
    useShallow((s) => ({
      runId: s.runId,
      mode: s.scenario?.mode ?? null,
      backend: s.backend?.kind ?? 'simulated',
      ended: s.report !== null,
      system: s.scenario?.system ?? 'pravega',
    })),
  );
  const ready = runId !== null && mode !== null;
  const other = system === 'kafka' ? 'Pravega' : 'Kafka';
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
      {backend === 'simulated' && (
        <button
          type="button"
          className="small"
          disabled={!ready || !ended}
          title={`The same scenario and fault timeline on ${other} (what it sets is kept; what it leaves out takes ${other}'s defaults), beside this run`}
          onClick={() => {
            const s = useStore.getState();
            const scenario = runAsItRan(s);
            if (ready && scenario !== null) void compareSystems(runId, scenario);
          }}
        >
          {`Run this on ${other} too`}
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
