import type { CreateSweepRequest, SweepDetail, SweepProgress, SweepSummary } from '@eolab/protocol';
import { useCallback, useEffect, useState } from 'react';
import { cancelSweep, getSweep, listSweeps, startSweep } from '../api/rest';
import { navigate, sweepIdFromAddress } from '../nav/route';
import { onSweepProgress } from '../sync/sweep-sync';
import { SweepForm } from './SweepForm';
import { type Cell, SweepByKind, SweepMatrix } from './SweepMatrix';
import { SweepSchedules } from './SweepSchedules';
import { SweepVerification } from './SweepVerification';

/**
 * The Sweep page: random fault schedules on a base scenario, run on the server's worker threads
 * with progress, then where each writer mode held and where it broke (mode x outcome), every cell
 * listing its schedules. The address `/sweeps/ID` names a sweep: it is the share link.
 */
export function SweepPage() {
  const [sweepId, setSweepId] = useState<string | null>(sweepIdFromAddress());
  const [sweep, setSweep] = useState<SweepDetail | null>(null);
  const [progress, setProgress] = useState<SweepProgress | null>(null);
  const [cell, setCell] = useState<Cell | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [past, setPast] = useState<SweepSummary[]>([]);

  const load = useCallback(async (id: string) => {
    try {
      setSweep(await getSweep(id));
    } catch (error) {
      setMessage((error as Error).message);
    }
  }, []);
  const loadPast = useCallback(() => {
    void listSweeps().then(
      (p) => setPast(p.sweeps),
      () => {},
    );
  }, []);
  useEffect(() => {
    loadPast();
    if (sweepId !== null) void load(sweepId);
  }, [sweepId, load, loadPast]);
  useEffect(
    () =>
      onSweepProgress((p) => {
        if (p.state !== 'running') loadPast();
        if (p.sweepId !== sweepId) return;
        setProgress(p);
        if (p.state !== 'running') void load(p.sweepId);
      }),
    [sweepId, load, loadPast],
  );

  const start = async (request: CreateSweepRequest) => {
    setMessage(null);
    setCell(null);
    try {
      const started = await startSweep(request);
      navigate(`/sweeps/${started.id}`);
      setSweep({ ...started, result: null });
      setProgress(null);
      setSweepId(started.id);
    } catch (error) {
      setMessage((error as Error).message);
    }
  };
  const openPast = (id: string) => {
    navigate(`/sweeps/${id}`);
    setCell(null);
    setProgress(null);
    setSweepId(id);
  };
  const running = sweep?.state === 'running' && progress?.state !== 'done';
  return (
    <main className="history" id="sweep-page" tabIndex={-1}>
      <section className="panel" aria-labelledby="sweep-title">
        <h2 id="sweep-title">Sweep: where does exactly-once break?</h2>
        <SweepForm running={running} onStart={(r) => void start(r)} />
        {message !== null && (
          <p className="hint" role="alert">
            {message}
          </p>
        )}
        {sweep !== null && (
          <SweepStatus
            sweep={sweep}
            progress={progress}
            onCancel={() => void cancelSweep(sweep.id).catch(() => {})}
          />
        )}
      </section>
      {sweep?.verification != null && (
        <section className="panel" aria-labelledby="sweep-verify-title">
          <h2 id="sweep-verify-title">The model against PostgreSQL</h2>
          <SweepVerification schedules={sweep.verification.schedules} />
        </section>
      )}
      {sweep?.result != null && (
        <section className="panel" aria-labelledby="sweep-results-title">
          <h2 id="sweep-results-title">Outcomes</h2>
          <SweepMatrix result={sweep.result} cell={cell} onCell={setCell} />
          {cell !== null && <SweepSchedules sweep={{ ...sweep, result: sweep.result }} cell={cell} />}
          <h3>By fault kind (as eolab sweep prints it)</h3>
          <SweepByKind result={sweep.result} />
        </section>
      )}
      <PastSweeps sweeps={past} onOpen={openPast} />
    </main>
  );
}

function SweepStatus({
  sweep,
  progress,
  onCancel,
}: {
  sweep: SweepDetail;
  progress: SweepProgress | null;
  onCancel: () => void;
}) {
  const done = progress?.done ?? sweep.done;
  const total = sweep.spec.schedules;
  const state = progress?.state ?? sweep.state;
  const fleetWorkers = progress?.fleetWorkers ?? sweep.fleetWorkers;
  const link = `${window.location.origin}/sweeps/${sweep.id}`;
  return (
    <div className="sweep-status">
      <p>
        Sweep {sweep.id}:{' '}
        {sweep.spec.backend === 'postgres'
          ? `${total} ${sweep.spec.baseLabel}, from seed ${sweep.spec.seed}, each on the model and on PostgreSQL`
          : `${total} schedules x 3 modes from seed ${sweep.spec.seed} on ${sweep.spec.baseLabel}, up to ${sweep.spec.maxFaults} added faults of ${sweep.spec.kinds.length} kinds`}
        : <strong data-testid="sweep-state">{state}</strong>
        {sweep.error !== null && ` (${sweep.error})`}
      </p>
      <div className="sweep-progress">
        <span>
          {done} / {total} schedules
        </span>
        <progress max={total} value={done} aria-label="Sweep progress" />
      </div>
      {fleetWorkers !== undefined && <FleetNote workers={fleetWorkers} state={state} />}
      {state === 'running' && (
        <button type="button" className="small" onClick={onCancel}>
          Cancel sweep
        </button>
      )}
      <label className="share">
        Share link
        <input readOnly value={link} onFocus={(e) => e.currentTarget.select()} />
      </label>
    </div>
  );
}

function PastSweeps({ sweeps, onOpen }: { sweeps: SweepSummary[]; onOpen: (id: string) => void }) {
  if (sweeps.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="past-sweeps-title">
      <h2 id="past-sweeps-title">Earlier sweeps</h2>
      <ul className="past-sweeps">
        {sweeps.slice(0, 20).map((s) => (
          <li key={s.id}>
            <a
              href={`/sweeps/${s.id}`}
              onClick={(e) => {
                e.preventDefault();
                onOpen(s.id);
              }}
            >
              {s.id}
            </a>{' '}
            <span className="muted">
              {s.spec.schedules} schedules from seed {s.spec.seed} on {s.spec.baseLabel} · {s.state}
              {s.violations !== null ? ` · ${s.violations} violations` : ''} ·{' '}
              {new Date(s.createdAt).toLocaleString('en')}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/**
 * A sweep on the fleet (the server has EOLAB_REDIS_URL): its chunks wait on the queue in Redis for
 * `eolab worker` processes; the server sweeps none itself. With none connected it says so.
 */
function FleetNote({ workers, state }: { workers: number; state: SweepProgress['state'] }) {
  if (state === 'done') return <p className="hint">Swept by the fleet's eolab workers.</p>;
  if (state !== 'running') return null;
  if (workers === 0)
    return (
      <p className="hint" role="status" data-testid="sweep-fleet">
        Waiting for workers: no <code>eolab worker</code> is connected to the queue in Redis. Start one per
        core on any machine: <code>eolab worker --redis URL</code> (the server's EOLAB_REDIS_URL).
      </p>
    );
  return (
    <p className="hint" role="status" data-testid="sweep-fleet">
      On the fleet: {workers} eolab worker{workers === 1 ? '' : 's'} sweeping.
    </p>
  );
}
