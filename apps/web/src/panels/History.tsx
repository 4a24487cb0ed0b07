import { RUN_ENDINGS, VERDICTS, WRITER_MODES } from '@eolab/engine';
import { BACKENDS, type RunSort, type RunsPage } from '@eolab/protocol';
import { useCallback, useEffect, useState } from 'react';
import { comparePicked } from '../actions/compare';
import { deleteRun, importRun, listRuns } from '../api/rest';
import { ENDING_TEXT } from '../explain/verdict';
import { navigate } from '../nav/route';
import { useStore } from '../state/store';
import { watchRun } from '../sync/run-sync';
import { RunsTable } from './RunsTable';

/** Every stored run, newest first unless sorted: filter, sort, open, export, delete, import. */
export function History() {
  const [mode, setMode] = useState('');
  const [verdict, setVerdict] = useState('');
  const [ending, setEnding] = useState('');
  const [backend, setBackend] = useState('');
  const [sort, setSort] = useState<RunSort>('newest');
  const [page, setPage] = useState<RunsPage | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  /** The run whose Delete was pressed once: a second press, on "Yes, delete", deletes it. */
  const [confirming, setConfirming] = useState<string | null>(null);
  /** Runs ticked for a side-by-side comparison, in the order they were ticked. */
  const [picked, setPicked] = useState<string[]>([]);
  const version = useStore((s) => s.runsVersion);

  const load = useCallback(async () => {
    try {
      setPage(await listRuns({ limit: 100, mode, verdict, ending, backend, sort }));
    } catch (error) {
      setMessage((error as Error).message);
    }
  }, [mode, verdict, ending, backend, sort]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: reload whenever the server announces a change to any run.
  useEffect(() => {
    void load();
  }, [load, version]);

  const open = (id: string) => {
    navigate(`/?run=${encodeURIComponent(id)}`);
    void watchRun(id).catch(() => {});
  };
  const remove = async (id: string) => {
    setConfirming(null);
    try {
      await deleteRun(id);
      setMessage(`Deleted run ${id}`);
      setPicked((p) => p.filter((x) => x !== id));
    } catch (error) {
      setMessage(`Delete failed: ${(error as Error).message}`);
    }
    await load();
  };
  const togglePick = (id: string) =>
    setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id]));
  const importFile = async (file: File) => {
    try {
      const text = await file.text();
      const created = await importRun(text);
      setMessage(`Imported ${file.name} as run ${created.runId}`);
      open(created.runId);
    } catch (error) {
      setMessage(`Import failed: ${(error as Error).message}`);
    }
  };

  return (
    <main className="history" id="runs-list" tabIndex={-1}>
      <section className="panel" aria-labelledby="history-title">
        <div className="compare-head">
          <h2 id="history-title">Runs</h2>
          <span className="muted">
            {page === null
              ? ''
              : `${page.total} stored${page.runs.length < page.total ? ` · showing ${page.runs.length}` : ''}${sort === 'newest' ? '' : ` · sorted by ${sort}`}`}
          </span>
        </div>
        <div className="history-tools">
          <button
            type="button"
            className="small primary"
            disabled={picked.length < 2}
            onClick={() => comparePicked(picked)}
          >
            Compare selected ({picked.length})
          </button>
          <label>
            Mode{' '}
            <select aria-label="Filter by mode" value={mode} onChange={(e) => setMode(e.target.value)}>
              <option value="">all</option>
              {WRITER_MODES.map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          </label>
          <label>
            Verdict{' '}
            <select
              aria-label="Filter by verdict"
              value={verdict}
              onChange={(e) => setVerdict(e.target.value)}
            >
              <option value="">all</option>
              {VERDICTS.map((v) => (
                <option key={v}>{v}</option>
              ))}
            </select>
          </label>
          <label>
            Ended{' '}
            <select
              aria-label="Filter by how the run ended"
              value={ending}
              onChange={(e) => setEnding(e.target.value)}
            >
              <option value="">all</option>
              {RUN_ENDINGS.map((v) => (
                <option key={v} value={v}>
                  {ENDING_TEXT[v]}
                </option>
              ))}
            </select>
          </label>
          <label>
            Backend{' '}
            <select
              aria-label="Filter by backend"
              value={backend}
              onChange={(e) => setBackend(e.target.value)}
            >
              <option value="">all</option>
              {BACKENDS.map((v) => (
                <option key={v}>{v}</option>
              ))}
            </select>
          </label>
          <label
            className="drop"
            onDragOver={(e) => e.preventDefault()}
            onDrop={(e) => {
              e.preventDefault();
              const file = e.dataTransfer.files[0];
              if (file !== undefined) void importFile(file);
            }}
          >
            Import a run (file or drop here){' '}
            <input
              type="file"
              accept="application/json,.json"
              aria-label="Import a run"
              onChange={(e) => {
                const file = e.target.files?.[0];
                if (file !== undefined) void importFile(file);
              }}
            />
          </label>
        </div>
        {message !== null && (
          <p className="hint" aria-live="polite">
            {message}
          </p>
        )}
        <RunsTable
          runs={page?.runs ?? []}
          sort={sort}
          onSort={setSort}
          picked={picked}
          onPick={togglePick}
          actions={(r) => (
            <>
              <button
                type="button"
                className="small"
                onClick={() => open(r.id)}
                aria-label={`Open run ${r.id}`}
              >
                Open
              </button>
              <a
                className="small-link"
                href={`/api/runs/${r.id}/export`}
                download
                aria-label={`Export run ${r.id}`}
              >
                Export
              </a>
              {confirming === r.id ? (
                <fieldset className="confirm" aria-label={`Delete run ${r.id}?`}>
                  Delete for good?{' '}
                  <button
                    type="button"
                    className="small danger"
                    onClick={() => void remove(r.id)}
                    aria-label={`Yes, delete run ${r.id}`}
                  >
                    Yes, delete
                  </button>
                  <button type="button" className="small" onClick={() => setConfirming(null)}>
                    Cancel
                  </button>
                </fieldset>
              ) : (
                <button
                  type="button"
                  className="small"
                  onClick={() => setConfirming(r.id)}
                  aria-label={`Delete run ${r.id}`}
                >
                  Delete
                </button>
              )}
            </>
          )}
        />
      </section>
    </main>
  );
}
