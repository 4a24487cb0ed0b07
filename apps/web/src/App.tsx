import { lazy, Suspense, useEffect } from 'react';

import { DuplicatesPanel, LatencyPanel, ThroughputPanel } from './charts/Charts';
import { CheckpointTimeline } from './charts/CheckpointTimeline';
import { TransactionTimeline } from './charts/TransactionTimeline';
import { runSharedScenario } from './nav/share';
import { CheckerPanel } from './panels/CheckerPanel';
import { CheckpointHistory } from './panels/CheckpointHistory';
import { Controls } from './panels/Controls';
import { EventLog } from './panels/EventLog';
import { FaultPanel } from './panels/FaultPanel';
import { FirstOpen } from './panels/FirstOpen';
import { Header } from './panels/Header';
import { Narration } from './panels/Narration';
import { ProtocolDiagram } from './panels/ProtocolDiagram';
import { Scrubber } from './panels/Scrubber';
import { TimelineEditor } from './panels/TimelineEditor';
import { TransactionInspector } from './panels/TransactionInspector';
import { ValueSearch } from './panels/ValueSearch';
import { ZoomBar } from './panels/ZoomBar';
import { useStore } from './state/store';
import { openComparison } from './sync/compare-sync';
import { connect } from './sync/connection';

// Loaded when first used: most visits never open the runs page or a comparison.
const History = lazy(() => import('./panels/History').then((m) => ({ default: m.History })));
const ComparePanel = lazy(() => import('./panels/ComparePanel').then((m) => ({ default: m.ComparePanel })));
const SweepPage = lazy(() => import('./panels/SweepPage').then((m) => ({ default: m.SweepPage })));

export function App() {
  const theme = useStore((s) => s.theme);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  useEffect(() => {
    // The first connection opens what the address carries: a shared scenario, a comparison.
    connect(() => {
      runSharedScenario();
      void openComparison();
    });
  }, []);
  const screen = useStore((s) => s.screen);
  return (
    <div className="app">
      {screen === 'history' ? (
        <a className="skip-link" href="#runs-list">
          Skip to the list of runs
        </a>
      ) : screen === 'sweeps' ? (
        <a className="skip-link" href="#sweep-page">
          Skip to the sweep
        </a>
      ) : (
        <a className="skip-link" href="#run-view">
          Skip to the run
        </a>
      )}
      <Header />
      {screen === 'history' ? (
        <Suspense fallback={<p className="muted">Loading the runs…</p>}>
          <History />
        </Suspense>
      ) : screen === 'sweeps' ? (
        <Suspense fallback={<p className="muted">Loading the sweeps…</p>}>
          <SweepPage />
        </Suspense>
      ) : (
        <Dashboard />
      )}
    </div>
  );
}

/** An address naming a run or a comparison opens it: no first-open guide flashes before it loads. */
function namesARun(): boolean {
  const params = new URLSearchParams(window.location.search);
  return params.has('run') || params.has('runs') || params.has('scenario');
}

function Dashboard() {
  const comparing = useStore((s) => s.compare.runs.length > 0 || s.compare.error !== null);
  // Before any run (and with no run or comparison named in the address): what to try first.
  const firstOpen = useStore((s) => s.runId === null) && !comparing && !namesARun();
  return (
    <main className="layout">
      <aside className="sidebar">
        <Controls />
        <FaultPanel />
      </aside>
      <div className="content" id="run-view" tabIndex={-1}>
        {firstOpen && <FirstOpen />}
        <Scrubber />
        <TimelineEditor />
        {comparing && (
          <Suspense fallback={null}>
            <ComparePanel />
          </Suspense>
        )}
        <div className="row">
          <CheckerPanel />
          <Narration />
        </div>
        <ZoomBar />
        <ProtocolDiagram />
        <ThroughputPanel />
        <div className="row">
          <DuplicatesPanel />
          <LatencyPanel />
        </div>
        <CheckpointTimeline />
        <TransactionTimeline />
        <div className="row">
          <CheckpointHistory />
          <TransactionInspector />
        </div>
        <ValueSearch />
        <EventLog />
      </div>
    </main>
  );
}
