import { useEffect, useRef, useState } from 'react';
import { startRun, stopThenStart } from '../actions/run';
import type { RunSlice } from '../state/run';

/** A live run's state as the dialog's title says it ("A run is still starting"). */
const STATE_WORDS: Partial<Record<NonNullable<RunSlice['run']>['state'], string>> = {
  created: 'starting',
  running: 'running',
  paused: 'paused',
};

/**
 * Start while a run is live asks first: stop that run and start, or start beside it and keep it
 * (listed under "Other live runs" to switch back to). A native modal dialog: it holds the
 * focus, Escape cancels, and the focus returns to Start.
 */
export function StartDialog({ run, onClose }: { run: NonNullable<RunSlice['run']>; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog !== null && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  const act = (start: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    start().then(onClose, (e: Error) => {
      setBusy(false);
      setError(e.message);
    });
  };
  return (
    <dialog
      ref={ref}
      className="start-dialog"
      aria-labelledby="start-dialog-title"
      aria-describedby="start-dialog-text"
      onCancel={onClose}
    >
      <h2 id="start-dialog-title">A run is still {STATE_WORDS[run.state] ?? run.state}</h2>
      <p id="start-dialog-text">
        Run {run.id} ({run.name}, {run.mode}) has not ended. Stop it before starting the new one, or keep it
        running: it stays listed under "Still running" to switch back to.
      </p>
      {error !== null && (
        <p className="field-error" role="alert">
          Refused: {error}
        </p>
      )}
      <div className="buttons">
        <button type="button" className="primary" disabled={busy} onClick={() => act(stopThenStart)}>
          Stop it and start
        </button>
        <button type="button" disabled={busy} onClick={() => act(startRun)}>
          Keep it and start
        </button>
        <button type="button" className="ghost" onClick={onClose}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
