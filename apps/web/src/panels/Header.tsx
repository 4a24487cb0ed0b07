import type { MouseEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { navigate, useRoute } from '../nav/route';
import { toggleTheme } from '../state/actions';
import { selectEvents, selectNowMs, selectReport } from '../state/scrub';
import { isLive, useStore } from '../state/store';
import { BackendBadge } from './BackendChoice';

function go(e: MouseEvent<HTMLAnchorElement>, url: string): void {
  e.preventDefault();
  const run = useStore.getState().runId;
  navigate(url === '/' && run !== null ? `/?run=${encodeURIComponent(run)}` : url);
}

/**
 * Restarts left of the fixed-delay budget, always in view: a click that fails the job over uses
 * one, and the last one decides whether the job fails for good.
 */
function RestartBudget() {
  const { attempts, used } = useStore(
    useShallow((s) => {
      const attempts = s.scenario?.restart.attempts ?? 0;
      const report = selectReport(s);
      if (report !== null) return report.restarts;
      let used = 0;
      for (const e of selectEvents(s)) if (e.kind === 'job-restarting') used = attempts - e.restartsLeft;
      return { attempts, used };
    }),
  );
  const left = attempts - used;
  return (
    <span className={left === 0 ? 'restarts none-left' : 'restarts'} title="Fixed-delay restart strategy">
      restarts left {left} of {attempts}
    </span>
  );
}

export function Header() {
  const screen = useRoute((s) => s.screen);
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
  return (
    <header className="topbar">
      <div className="brand">
        <span className="logo" aria-hidden="true">
          1×
        </span>
        <div>
          <h1>Exactly-Once Lab</h1>
          <p>Flink checkpoints · Pravega transactions · the sample's checker</p>
        </div>
      </div>
      <div className="run-status" aria-live="off">
        {run === null ? (
          <span>No run</span>
        ) : (
          <>
            <span className={`pill state-${run.state}`}>{run.state}</span>
            <span>{run.mode}</span>
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
