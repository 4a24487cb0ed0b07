import type { MouseEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { toggleTheme } from '../actions/controls';
import { navigate } from '../nav/route';
import { isLive } from '../state/run';
import { selectEvents, selectNowMs, selectReport } from '../state/scrub';
import { useStore } from '../state/store';
import { BackendBadge } from './BackendChoice';

function go(e: MouseEvent<HTMLAnchorElement>, url: string): void {
  e.preventDefault();
  const run = useStore.getState().runId;
  navigate(url === '/' && run !== null ? `/?run=${encodeURIComponent(run)}` : url);
}

/**
 * Restarts left of the fixed-delay budget, always in view: a click that fails the job over uses
 * one, and the last one decides whether the job fails for good. It is an alarm only when the job
 * did fail for good; a live run with none left is a warning (the next failure ends it); a run that
 * finished is neither, however many it used.
 */
function RestartBudget() {
  const { attempts, used, failed, live } = useStore(
    useShallow((s) => {
      const attempts = s.scenario?.restart.attempts ?? 0;
      const events = selectEvents(s);
      const failed = events.some((e) => e.kind === 'job-failed');
      const live = isLive(s.run?.state);
      const report = selectReport(s);
      // Failed for good is the job's own event: a run stopped by hand did not finish either, yet used no alarm.
      if (report !== null) return { ...report.restarts, failed, live };
      let used = 0;
      for (const e of events) if (e.kind === 'job-restarting') used = attempts - e.restartsLeft;
      return { attempts, used, failed, live };
    }),
  );
  const left = attempts - used;
  const tone = failed ? 'restarts failed' : live && left === 0 ? 'restarts last' : 'restarts';
  const why = failed
    ? 'the job failed for good'
    : live && left === 0
      ? 'the next failure fails the job for good'
      : null;
  return (
    <span className={tone} title="Fixed-delay restart strategy" data-testid="restart-budget">
      restarts left {left} of {attempts}
      {why !== null && <span className="sr-only">: {why}</span>}
    </span>
  );
}

export function Header() {
  const screen = useStore((s) => s.screen);
  const { connection, theme, run, nowMs, runSpeed, lastError } = useStore(
    useShallow((s) => ({
      connection: s.connection,
      theme: s.theme,
      run: s.run,
      nowMs: selectNowMs(s),
      runSpeed: s.runSpeed,
      lastError: s.lastError,
    })),
  );
  // The run on screen's system, else the one the sidebar will run next.
  const kafka = useStore((s) => (s.scenario?.system ?? s.knobs.system) === 'kafka');
  return (
    <header className="topbar">
      <div className="brand">
        <span className="logo" aria-hidden="true">
          1×
        </span>
        <div>
          <h1>Exactly-Once Lab</h1>
          <p>Flink checkpoints · {kafka ? 'Kafka' : 'Pravega'} transactions · the sample's checker</p>
        </div>
      </div>
      <div className="run-status" aria-live="off">
        {run === null ? (
          <span>No run</span>
        ) : (
          <>
            <span className={`pill state-${run.state}`}>{run.state}</span>
            {/* The mode this run ran in; the sidebar's switch sets the next run's (see Controls). */}
            <span title="Writer mode of the run on screen">
              <span className="muted">run in </span>
              {run.mode}
            </span>
            <BackendBadge />
            <span>t = {nowMs.toLocaleString('en')} ms</span>
            {/* A speed means something only while the run moves (a stored run has none). */}
            {isLive(run.state) && <span>{runSpeed}</span>}
            <RestartBudget />
            <span className="muted run-id">run {run.id}</span>
          </>
        )}
      </div>
      <nav className="nav" aria-label="Screens">
        <a href="/" aria-current={screen === 'dashboard' ? 'page' : undefined} onClick={(e) => go(e, '/')}>
          Dashboard
        </a>
        <a
          href="/runs"
          aria-current={screen === 'history' ? 'page' : undefined}
          onClick={(e) => go(e, '/runs')}
        >
          Runs
        </a>
        <a
          href="/sweeps"
          aria-current={screen === 'sweeps' ? 'page' : undefined}
          onClick={(e) => go(e, '/sweeps')}
        >
          Sweeps
        </a>
      </nav>
      <button
        type="button"
        className="ghost"
        onClick={toggleTheme}
        aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
      >
        {theme === 'dark' ? '☀' : '☾'}
      </button>
      {connection !== 'connected' && (
        <div className="banner" role="alert">
          {connection === 'connecting'
            ? 'Connecting to the server…'
            : 'The server is unreachable. Reconnecting…'}
        </div>
      )}
      {lastError !== null && connection === 'connected' && (
        <div className="banner error" role="alert">
          {lastError}
        </div>
      )}
    </header>
  );
}
