import { useStore } from '../state/store';
import { watchRun } from '../sync/run-sync';

/** Runs still live on the server that are not on screen: one click puts each back. */
export function LiveElsewhere() {
  const runs = useStore((s) => s.liveElsewhere);
  if (runs.length === 0) return null;
  return (
    <section className="live-elsewhere" aria-labelledby="live-elsewhere-title">
      <h3 id="live-elsewhere-title">Other live runs</h3>
      <ul>
        {runs.map((r) => (
          <li key={r.id}>
            <span>
              {r.name} · {r.mode} · <span className="muted">run {r.id}</span> · {r.state}
            </span>
            <button
              type="button"
              className="small"
              aria-label={`Watch run ${r.id}`}
              onClick={() =>
                void watchRun(r.id).then(
                  () => window.history.replaceState(null, '', `?run=${encodeURIComponent(r.id)}`),
                  () => {},
                )
              }
            >
              watch
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
