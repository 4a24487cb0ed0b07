import { useEffect } from 'react';
import { getSocket } from './api/socket';
import { DuplicatesPanel, LatencyPanel, ThroughputPanel } from './charts/Charts';
import { CheckpointTimeline, TransactionTimeline } from './charts/Timelines';
import { useRoute } from './nav/route';
import { CheckerPanel } from './panels/CheckerPanel';
import { CheckpointHistory, TransactionInspector } from './panels/CheckpointHistory';
import { ComparePanel } from './panels/ComparePanel';
import { Controls } from './panels/Controls';
import { EventLog } from './panels/EventLog';
import { FaultPanel } from './panels/FaultPanel';
import { Header } from './panels/Header';
import { History } from './panels/History';
import { Narration } from './panels/Narration';
import { Scrubber } from './panels/Scrubber';
import { useStore } from './state/store';

export function App() {
  const theme = useStore((s) => s.theme);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  useEffect(() => {
    getSocket();
  }, []);
  const screen = useRoute((s) => s.screen);
  return (
    <div className="app">
      <Header />
      {screen === 'history' ? <History /> : <Dashboard />}
    </div>
  );
}

function Dashboard() {
  return (
    <main className="layout">
      <aside className="sidebar">
        <Controls />
        <FaultPanel />
      </aside>
      <div className="content">
        <Scrubber />
        <ComparePanel />
        <div className="row">
          <CheckerPanel />
          <Narration />
        </div>
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
        <EventLog />
      </div>
    </main>
  );
}
