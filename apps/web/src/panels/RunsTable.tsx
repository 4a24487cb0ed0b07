import { judgesMissing } from '@eolab/engine';
import type { RunSort, RunSummary } from '@eolab/protocol';
import { ENDING_TEXT } from '../explain/verdict';

/** At most this many runs side by side: the comparison table stays readable. */
export const MAX_COMPARED = 4;

/** The columns a click sorts by, and the sort each click asks the server for. */
const SORTABLE: Record<string, RunSort> = {
  Duplicates: 'duplicates',
  Lost: 'lost',
  Faults: 'faults',
  Duration: 'duration',
};

interface RunsTableProps {
  runs: readonly RunSummary[];
  sort: RunSort;
  onSort: (sort: RunSort) => void;
  picked: readonly string[];
  onPick: (id: string) => void;
  /** The actions cell of one run (open, export, delete). */
  actions: (run: RunSummary) => React.ReactNode;
}

/** How a run ended, as the list shows it: live runs say their state, ended ones what their report says. */
export function endedText(run: RunSummary): string {
  if (run.state === 'interrupted') return 'interrupted (server stopped)';
  if (run.figures == null) return run.state;
  return ENDING_TEXT[run.figures.ending];
}

const number = (n: number | undefined) => (n === undefined ? '—' : n.toLocaleString('en'));

function durationText(ms: number | undefined): string {
  if (ms === undefined) return '—';
  return ms < 10_000
    ? `${ms.toLocaleString('en')} ms`
    : `${(ms / 1000).toLocaleString('en', { maximumFractionDigits: 1 })} s`;
}

/** Lost values, and the never-emitted ones apart: an incomplete output is not a loss. */
function missingText(run: RunSummary): string {
  const f = run.figures;
  if (f == null) return '—';
  if (!judgesMissing(f.ending)) return 'not judged';
  const lost = f.lost.toLocaleString('en');
  return f.neverEmitted > 0 ? `${lost} (+${f.neverEmitted.toLocaleString('en')} never emitted)` : lost;
}

function SortHeader({ label, sort, onSort }: { label: string; sort: RunSort; onSort: (s: RunSort) => void }) {
  const key = SORTABLE[label]!;
  const active = sort === key;
  return (
    <th scope="col" aria-sort={active ? 'descending' : 'none'}>
      <button
        type="button"
        className="sort-header"
        onClick={() => onSort(active ? 'newest' : key)}
        title={
          active
            ? 'Sorted by this column, largest first: click for newest first'
            : `Sort by ${label.toLowerCase()}, largest first`
        }
      >
        {label}
        <span aria-hidden="true">{active ? ' ▼' : ''}</span>
      </button>
    </th>
  );
}

/** The stored runs as a table: each row tells verdict, duplicates, loss, faults, duration and how the run ended. */
export function RunsTable({ runs, sort, onSort, picked, onPick, actions }: RunsTableProps) {
  return (
    <table className="runs-table" aria-label="Stored runs">
      <thead>
        <tr>
          <th scope="col">
            <span className="sr-only">Compare</span>
          </th>
          <th scope="col">Name</th>
          <th scope="col">Mode</th>
          <th scope="col">Verdict</th>
          <SortHeader label="Duplicates" sort={sort} onSort={onSort} />
          <SortHeader label="Lost" sort={sort} onSort={onSort} />
          <SortHeader label="Faults" sort={sort} onSort={onSort} />
          <SortHeader label="Duration" sort={sort} onSort={onSort} />
          <th scope="col">Ended</th>
          <th scope="col" className="optional">
            Created
          </th>
          <th scope="col">
            <span className="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => (
          <tr key={r.id}>
            <td>
              <input
                type="checkbox"
                aria-label={`Pick run ${r.id} to compare`}
                checked={picked.includes(r.id)}
                disabled={!picked.includes(r.id) && picked.length >= MAX_COMPARED}
                onChange={() => onPick(r.id)}
              />
            </td>
            <td>
              {r.name}
              <span className="muted small-text"> · {r.numEvents.toLocaleString('en')} events</span>
            </td>
            <td>
              {r.mode}
              {r.backend === 'postgres' && (
                <span className="badge real-badge" title="Run for real: PostgreSQL, real processes">
                  PostgreSQL
                </span>
              )}
            </td>
            <td>{r.verdict === null ? '—' : <span className={`badge v-${r.verdict}`}>{r.verdict}</span>}</td>
            <td data-col="duplicates" data-label="duplicates">
              {number(r.figures?.duplicates)}
            </td>
            <td data-col="lost" data-label="lost">
              {missingText(r)}
            </td>
            <td data-col="faults" data-label="faults">
              {r.faultCount}
            </td>
            <td data-col="duration" data-label="took">
              {durationText(r.figures?.durationMs)}
            </td>
            <td data-col="ended">{endedText(r)}</td>
            <td className="optional">{new Date(r.createdAt).toLocaleString('en-GB')}</td>
            <td className="actions">{actions(r)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
