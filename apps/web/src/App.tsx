import { useEffect } from 'react';
import { DuplicatesPanel, LatencyPanel, ThroughputPanel } from './components/Charts';
import { CheckerPanel } from './components/CheckerPanel';
import { ComparePanel } from './components/ComparePanel';
import { Controls } from './components/Controls';
import { EventLog } from './components/EventLog';
import { FaultPanel } from './components/FaultPanel';
import { Header } from './components/Header';
import { Narration } from './components/Narration';
import { CheckpointTimeline, TransactionTimeline } from './components/Timelines';
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
  return (
    <div className="app">
      <Header />
      <main className="layout">
        <aside className="sidebar">
          <Controls />
          <FaultPanel />
        </aside>
        <div className="content">
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
    </div>
  );
}
