import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { control, startRun } from '../actions/run';
import { isLive } from '../state/run';
import { useStore } from '../state/store';
import { REAL_TIME_REASON } from './BackendChoice';
import { StartDialog } from './StartDialog';

/** Start, Pause or Resume, Stop. Start while a run is live asks first what to do with it. */
export function RunButtons() {
  const [asking, setAsking] = useState(false);
  const { run, runState, connected, realRun } = useStore(
    useShallow((s) => ({
      run: s.run,
      runState: s.run?.state ?? null,
      connected: s.connection === 'connected',
      realRun: s.backend?.kind === 'postgres',
    })),
  );
  const live = isLive(runState ?? undefined);
  return (
    <>
      <div className="buttons">
        <button
          type="button"
          className="primary"
          disabled={!connected}
          aria-haspopup={live ? 'dialog' : undefined}
          onClick={() => (live ? setAsking(true) : void startRun().catch(() => {}))}
        >
          Start
        </button>
        {runState === 'paused' ? (
          <button type="button" onClick={() => control('resume')} disabled={!connected}>
            Resume
          </button>
        ) : (
          <button
            type="button"
            onClick={() => control('pause')}
            disabled={!connected || runState !== 'running' || realRun}
            title={realRun ? REAL_TIME_REASON : undefined}
          >
            Pause
          </button>
        )}
        <button type="button" onClick={() => control('stop')} disabled={!connected || !live}>
          Stop
        </button>
      </div>
      {asking && run !== null && <StartDialog run={run} onClose={() => setAsking(false)} />}
    </>
  );
}
