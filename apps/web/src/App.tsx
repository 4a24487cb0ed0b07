import { useEffect } from 'react';
import { DuplicatesPanel, LatencyPanel, ThroughputPanel } from './components/Charts';
import { CheckerPanel } from './components/CheckerPanel';
import { ComparePanel } from './components/ComparePanel';
import { Controls } from './components/Controls';
import { EventLog } from './components/EventLog';
import { FaultPanel } from './components/FaultPanel';
import { Header } from './components/Header';
import { History } from './components/History';
import { Narration } from './components/Narration';
import { Scrubber } from './components/Scrubber';
import { CheckpointTimeline, TransactionTimeline } from './components/Timelines';
import { useRoute } from './route';
import { getSocket } from './socket';
import { useStore } from './store';

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
        <EventLog />
      </div>
    </main>
  );
}
