import type { RunSort, RunsPage } from '@eolab/protocol';
import { useCallback, useEffect, useState } from 'react';
import { comparePicked } from '../actions/compare';
import { deleteRun, importRun, listRuns } from '../api/rest';
import { navigate } from '../nav/route';
import { useStore } from '../state/store';
import { watchRun } from '../sync/run-sync';
import { ImportRun } from './ImportRun';
import { RunActions } from './RunActions';
import { NO_FILTER, type RunsFilter, RunsFilters } from './RunsFilters';
import { RunsTable } from './RunsTable';

/** The Runs page: every stored run, newest first unless sorted: filter, sort, open, export, delete, import. */
export function History() {
  const [filter, setFilter] = useState<RunsFilter>(NO_FILTER);
  const [sort, setSort] = useState<RunSort>('newest');
  const [page, setPage] = useState<RunsPage | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  /** The run whose Delete was pressed once. */
  const [confirming, setConfirming] = useState<string | null>(null);
  /** Runs ticked for a side-by-side comparison, in the order they were ticked. */
  const [picked, setPicked] = useState<string[]>([]);
  const version = useStore((s) => s.runsVersion);

  const load = useCallback(async () => {
    try {
      setPage(await listRuns({ limit: 100, ...filter, sort }));
    } catch (error) {
      setMessage((error as Error).message);
    }
  }, [filter, sort]);

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
      const created = await importRun(await file.text());
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
          <span className="muted">{page === null ? '' : countText(page, sort)}</span>
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
          <RunsFilters filter={filter} onChange={setFilter} />
          <ImportRun onFile={(file) => void importFile(file)} />
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
            <RunActions
              runId={r.id}
              confirming={confirming === r.id}
              onOpen={() => open(r.id)}
              onAskDelete={(asking) => setConfirming(asking ? r.id : null)}
              onDelete={() => void remove(r.id)}
            />
          )}
        />
      </section>
    </main>
  );
}

/** "12 stored · showing 10 · sorted by duplicates". */
function countText(page: RunsPage, sort: RunSort): string {
  const showing = page.runs.length < page.total ? ` · showing ${page.runs.length}` : '';
  return `${page.total} stored${showing}${sort === 'newest' ? '' : ` · sorted by ${sort}`}`;
}
